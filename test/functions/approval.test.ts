/**
 * Approval over the real handlers (ingest, the approval endpoint, dispatch, send,
 * release, website-hook) and the in-memory fakes (test/helpers/world.ts): what a
 * journalist, partner, approver and ops see for each way a proof's links are used.
 */
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import type { StatementInput } from '../../core/statement/schema';
import { formatStatus, summariseStatement } from '../../core/status';
import { readStatementItems } from '../../functions/shared/ledger/status';
import { sampleInput } from '../fixtures/statements';
import { TABLE } from '../helpers/herald-fakes';
import { World } from '../helpers/world';

const ID = 'bscp-2024-02-scr';
const SAM = { email: 'sam.head@example.org', name: 'Sam Head' };
const OLA = { email: 'ola.duty@example.org', name: 'Ola Duty' };
const START = '2024-02-20T09:00:00Z';

function world(approval: { required?: number; withdrawals?: 'immediate' | 'approve' } = {}) {
  return new World(START, { approval: { approvers: [SAM, OLA], ...approval } });
}

function revision(n: number, changes: Partial<StatementInput> = {}): StatementInput {
  return {
    ...sampleInput(),
    revision: n,
    ...(n > 1 ? { correction: `Version ${n}.` } : {}),
    ...changes,
  };
}

/** Everything that reached a journalist, partner or the website. */
function sentToAnyone(w: World) {
  return w.log.filter((o) => o.kind !== 'latest' || o.latest.status !== 'withdrawn');
}

function never(): never {
  throw new Error('no status');
}

/** A page's heading (what a person reads first). */
const heading = (body: string) => cheerio.load(body)('h1').text();

async function approveAs(w: World, who: { email: string }, rev = 1, id = ID) {
  const { approve } = await w.proofLinks(who.email, id, rev);
  return w.follow(approve, 'POST');
}

describe('a revision awaiting approval', () => {
  it('reaches nobody but the approvers: each gets a proof, ops a summary', async () => {
    const w = world();
    const outcome = await w.upload(revision(1));
    await w.drain({ pastLifts: true });

    expect(outcome?.outcome).toBe('awaiting-approval');
    expect(sentToAnyone(w)).toEqual([]);
    expect(w.schedules.size).toBe(0);
    expect(w.approvalMail.map((m) => [m.kind, m.to])).toEqual([
      ['proof', SAM.email],
      ['proof', OLA.email],
    ]);
    const proof = await w.proofLinks(SAM.email, ID, 1);
    expect(proof.text).toContain('EMBARGOED until 00:01 GMT, Wednesday 21 February 2024');
    expect(proof.text).toMatch(
      /Journalists: 3 journalists on the press list \(1 follow safeguarding, 1 follow case-reviews, 1 take every topic\)/,
    );
    expect(proof.text).toContain('Partner released-only: statement.released (at the lift)');
    expect(proof.text).toContain('Dear Sam Sample,');
    expect(proof.text).toMatch(/X \(\d+ of 280 characters/);
    expect(w.ops.map((o) => o.subject)).toEqual([`Herald: awaiting approval ${ID} r1`]);
  });

  it('a GET of either link only shows a page: nothing is recorded or sent', async () => {
    const w = world();
    await w.upload(revision(1));
    const { approve, reject } = await w.proofLinks(SAM.email, ID, 1);

    const approvePage = await w.follow(approve, 'GET');
    const rejectPage = await w.follow(reject, 'GET');
    await w.drain({ pastLifts: true });

    expect(approvePage.statusCode).toBe(200);
    expect(heading(approvePage.body)).toBe('Approve this statement?');
    expect(cheerio.load(approvePage.body)('form[method="post"] button').text()).toBe('Approve');
    expect(heading(rejectPage.body)).toBe('Reject this statement?');
    expect(cheerio.load(rejectPage.body)('label[for="reason"]').text()).toMatch(/Why/);
    expect(sentToAnyone(w)).toEqual([]);
    expect(w.approvals).toEqual([]);
    expect(
      w.dynamo.table.partition(`stmt#${ID}`).filter((i) => String(i.sk).startsWith('appr#')),
    ).toEqual([]);
    // The link still works afterwards: a preview by a mail scanner used nothing up.
    expect((await approveAs(w, SAM)).statusCode).toBe(200);
  });

  it('goes out as an unapproved upload would once approved, and tells ops and the approvers who approved', async () => {
    const approved = world();
    await approved.upload(revision(1));
    expect((await approveAs(approved, OLA)).statusCode).toBe(200);
    await approved.pump(); // the decision reaches ingest, which goes ahead
    await approved.drain({ pastLifts: true });

    const plain = new World(START);
    await plain.upload(revision(1));
    await plain.drain({ pastLifts: true });

    const seen = (w: World) =>
      sentToAnyone(w).map(({ seq: _s, at: _a, ...o }) => JSON.stringify(o));
    expect(seen(approved).sort()).toEqual(seen(plain).sort());
    expect(approved.observed('email')).toHaveLength(3);
    const summary = approved.ops.find((o) => o.subject === `Herald: published ${ID} r1`);
    expect(summary?.body).toMatch(/Approved by Ola Duty \(ola\.duty@example\.org\)/);
    expect(summary?.body).toMatch(/Proof sent to sam\.head@example\.org/);
    expect(approved.approvalMail.filter((m) => m.kind === 'approved').map((m) => m.to)).toEqual([
      SAM.email,
      OLA.email,
    ]);
  });

  it('`herald status` shows the audit trail: uploaded by whom, each proof, who approved, what went out', async () => {
    const w = world();
    await w.upload(revision(1));
    const status = async () =>
      summariseStatement(
        await readStatementItems({ ddb: w.dynamo.client, tableName: TABLE }, ID),
        w.clock.now(),
      );
    const waiting = await status();
    expect(waiting?.state).toBe('awaiting-approval');

    await approveAs(w, OLA);
    await w.pump();
    const text = formatStatus((await status()) ?? waiting ?? never());
    // Times in the statement's zone, as everywhere in `herald status`.
    expect(text).toContain('Uploaded by AWS:AIDAEXAMPLE at 09:00:00 GMT, Tuesday 20 February 2024');
    expect(text).toMatch(/Proof sent to sam\.head@example\.org at /);
    expect(text).toMatch(/Proof sent to ola\.duty@example\.org at /);
    expect(text).toContain(
      'Approved by Ola Duty (ola.duty@example.org) at 09:00:00 GMT, Tuesday 20 February 2024',
    );
    expect(text).toMatch(/Journalists emailed: 3 sent/);
    expect((await status())?.state).toBe('embargoed');
  });
});

describe('links that must not act', () => {
  it('refuses a forged link and changes nothing', async () => {
    const w = world();
    await w.upload(revision(1));
    const { approve } = await w.proofLinks(SAM.email, ID, 1);
    const url = new URL(approve);
    const [version, payload] = (url.searchParams.get('t') ?? '').split('.');
    // Someone edits the claims (another revision) and keeps a signature of their own.
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    const edited = Buffer.from(JSON.stringify({ ...claims, r: 2 })).toString('base64url');
    url.searchParams.set('t', `${version}.${edited}.${'A'.repeat(43)}`);

    const page = await w.follow(url.toString(), 'POST');
    await w.drain({ pastLifts: true });

    expect(page.statusCode).toBe(400);
    expect(heading(page.body)).toBe('This approval link is not valid');
    expect(sentToAnyone(w)).toEqual([]);
    expect(w.approvals).toEqual([]);
  });

  it('refuses an expired link and changes nothing', async () => {
    const w = world();
    await w.upload(revision(1));
    const { approve } = await w.proofLinks(SAM.email, ID, 1);
    w.clock.advance(73 * 3_600_000);

    const page = await w.follow(approve, 'POST');
    await w.drain();

    expect(page.statusCode).toBe(410);
    expect(heading(page.body)).toBe('This approval link has expired');
    expect(w.observed('email')).toEqual([]);
  });

  it('refuses a reused link: each approver decides once, with either of their links', async () => {
    const w = world({ required: 2 });
    await w.upload(revision(1));
    const { reject } = await w.proofLinks(SAM.email, ID, 1);
    expect((await approveAs(w, SAM)).statusCode).toBe(200);
    await w.drain();

    const again = await approveAs(w, SAM);
    const rejectAfter = await w.follow(reject, 'POST', { reason: 'Changed my mind' });
    await w.drain({ pastLifts: true });

    expect(again.statusCode).toBe(409);
    expect(heading(again.body)).toBe('You have already decided on this revision');
    expect(rejectAfter.statusCode).toBe(409);
    // One approver twice is still one approval of the two needed: nothing went out.
    expect(sentToAnyone(w)).toEqual([]);
    expect(w.outcomes.at(-1)?.outcome).toBe('awaiting-approval');
  });

  it('refuses the links of a revision a newer one replaced, which say so', async () => {
    const w = world();
    await w.upload(revision(1));
    const old = await w.proofLinks(SAM.email, ID, 1);
    await w.upload(revision(2));

    const page = await w.follow(old.approve, 'GET');
    const post = await w.follow(old.approve, 'POST');
    await w.drain({ pastLifts: true });

    expect(page.statusCode).toBe(410);
    expect(heading(page.body)).toBe('This revision was replaced');
    expect(cheerio.load(page.body)('main').text()).toContain('replaced by revision 2');
    expect(post.statusCode).toBe(410);
    expect(sentToAnyone(w)).toEqual([]);

    // Revision 2 is what approvers approve now; it goes out as the first publication.
    await approveAs(w, OLA, 2);
    await w.drain({ pastLifts: true });
    expect(new Set(w.observed('email').map((e) => e.revision))).toEqual(new Set([2]));
  });
});

describe('rejection', () => {
  it('asks why, sends nothing, and tells ops and the approvers who rejected it and why', async () => {
    const w = world();
    await w.upload(revision(1));
    const { reject } = await w.proofLinks(OLA.email, ID, 1);

    const noReason = await w.follow(reject, 'POST', { reason: '  ' });
    const done = await w.follow(reject, 'POST', { reason: 'The <embargo> date is wrong' });
    await w.drain({ pastLifts: true });

    expect(noReason.statusCode).toBe(400);
    expect(cheerio.load(noReason.body)('[role="alert"]').text()).toMatch(/Say why/);
    expect(done.statusCode).toBe(200);
    expect(sentToAnyone(w)).toEqual([]);
    expect(w.outcomes.at(-1)).toMatchObject({
      outcome: 'rejected',
      errors: [
        { path: 'approval', message: expect.stringContaining('The <embargo> date is wrong') },
      ],
    });
    const ops = w.ops.find((o) => o.subject === `Herald: rejected by approver ${ID} r1`);
    expect(ops?.body).toMatch(/REJECTED by Ola Duty \(ola\.duty@example\.org\)/);
    expect(ops?.body).toContain('Reason: The <embargo> date is wrong');
    const notices = w.approvalMail.filter((m) => m.kind === 'rejected');
    expect(notices.map((m) => m.to)).toEqual([SAM.email, OLA.email]);
    // The other approver's links no longer act.
    const late = await approveAs(w, SAM);
    expect(late.statusCode).toBe(410);
    expect(heading(late.body)).toBe('This revision is no longer awaiting approval');
    // And the page escaped what the approver typed (never markup).
    expect(done.body).not.toContain('<embargo>');
  });
});

describe('required approvals', () => {
  it('needs two distinct approvers when required is 2', async () => {
    const w = world({ required: 2 });
    await w.upload(revision(1));

    await approveAs(w, SAM);
    await w.drain({ pastLifts: true });
    expect(sentToAnyone(w)).toEqual([]);

    await approveAs(w, OLA);
    await w.drain();
    expect(w.observed('email')).toHaveLength(3);
  });
});

describe('timing', () => {
  it('an approval after the lift sends at once, with no embargo, and says so', async () => {
    const w = world();
    const lift = new Date(Date.parse(START) + 2 * 3_600_000).toISOString();
    await w.upload(revision(1, { embargo: { until: lift, timezone: 'Europe/London' } }));
    w.clock.advance(3 * 3_600_000);

    await approveAs(w, SAM);
    await w.drain();

    const emails = w.observed('email');
    expect(emails).toHaveLength(3);
    for (const email of emails) expect(email.subject).not.toMatch(/EMBARGOED/);
    expect(w.observed('website').map((o) => o.type)).toEqual(['statement.released']);
    const summary = w.ops.find((o) => o.subject === `Herald: published ${ID} r1`);
    expect(summary?.body).toMatch(/approved after the embargo lifted .*went out at once/);
    const notice = w.approvalMail.find((m) => m.kind === 'approved');
    expect(notice?.raw).toMatch(/approved after the embargo lifted/);
  });
});

describe('withdrawals', () => {
  it('go ahead at once under "immediate": no proof, the kill notice goes out', async () => {
    const w = world();
    await w.upload(revision(1));
    await approveAs(w, SAM);
    await w.drain();
    const proofs = w.approvalMail.filter((m) => m.kind === 'proof').length;

    const outcome = await w.upload(
      revision(2, { status: 'withdraw', withdrawalReason: 'Issued in error.' }),
    );
    await w.drain();

    expect(outcome?.outcome).toBe('withdrawn');
    expect(w.approvalMail.filter((m) => m.kind === 'proof')).toHaveLength(proofs);
    expect(w.observed('email').filter((e) => e.revision === 2)).toHaveLength(3);
  });

  it('also end a revision still awaiting approval, whose links then say so', async () => {
    const w = world();
    await w.upload(revision(1));
    const { approve } = await w.proofLinks(SAM.email, ID, 1);

    const outcome = await w.upload(
      revision(2, { status: 'withdraw', withdrawalReason: 'Issued in error.' }),
    );
    const page = await w.follow(approve, 'POST');
    await w.drain({ pastLifts: true });

    expect(outcome).toMatchObject({ outcome: 'withdrawn', supersededAwaiting: 1 });
    expect(heading(page.body)).toBe('This revision was replaced');
    expect(sentToAnyone(w)).toEqual([]);
  });

  it('wait for approval too under "approve"', async () => {
    const w = world({ withdrawals: 'approve' });
    await w.upload(revision(1));
    await approveAs(w, SAM);
    await w.drain();

    const outcome = await w.upload(
      revision(2, { status: 'withdraw', withdrawalReason: 'Issued in error.' }),
    );
    await w.drain();
    expect(outcome?.outcome).toBe('awaiting-approval');
    expect(w.observed('email').filter((e) => e.revision === 2)).toEqual([]);

    await approveAs(w, OLA, 2);
    await w.drain();
    expect(w.observed('email').filter((e) => e.revision === 2)).toHaveLength(3);
  });
});
