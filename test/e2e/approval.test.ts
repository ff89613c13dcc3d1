/**
 * Approval end to end on the local stack: a statement awaits approval (proofs to each
 * approver, nothing to journalists, partners or the website), the proof's links work
 * against the local https endpoint (GET shows a page, POST decides), and an approved
 * revision goes out as an unapproved one would.
 */
import { readFile } from 'node:fs/promises';
import * as cheerio from 'cheerio';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsRequest, startTestStack, TEST_CONFIG, type TestStack } from '../helpers/local-stack';

const ID = 'bscp-2024-02-scr';
const APPROVERS = [
  { email: 'head.of.comms@example.org', name: 'Sam Head' },
  { email: 'duty.officer@example.org', name: 'Ola Duty' },
];

let stack: TestStack;
let ca: string;

beforeAll(async () => {
  stack = await startTestStack({
    config: { ...TEST_CONFIG, approval: { approvers: APPROVERS } },
  });
  ca = await readFile(stack.paths.tlsCert, 'utf8');
});
afterAll(async () => {
  await stack?.stop();
});

async function proofLinks(id: string, revision: number, approver: string) {
  const entry = stack.outbox.proofFor(id, revision, approver);
  if (!entry) throw new Error(`no proof for ${approver}`);
  const mail = await simpleParser(await readFile(entry.path));
  const $ = cheerio.load(typeof mail.html === 'string' ? mail.html : '');
  const href = (label: string) =>
    $('a')
      .filter((_, a) => $(a).text().trim() === label)
      .attr('href') ?? '';
  return { mail, approve: href('Approve'), reject: href('Reject') };
}

describe('a statement awaiting approval', () => {
  it('sends only proofs: no journalist email, partner message or hook', async () => {
    await stack.upload('01.json', await stack.readExample('01-bscp-serious-case-review.json'));
    await stack.drain();
    const [summary] = stack.summary().statements;
    expect(summary).toMatchObject({ id: ID, revision: 1, outcome: 'awaiting-approval' });
    expect(await stack.emlFiles(ID, 1)).toEqual([]);
    expect(stack.receivers.partners.size).toBe(0);
    expect(stack.receivers.hooks).toEqual([]);
    expect(stack.scheduler.pending()).toEqual([]);
    const proofs = stack.outbox.approvalMail.filter((m) => m.kind === 'proof');
    expect(proofs.map((p) => p.recipient).sort()).toEqual(APPROVERS.map((a) => a.email).sort());
  });

  it('approving through the proof link sends it as an unapproved upload would', async () => {
    const { mail, approve } = await proofLinks(ID, 1, APPROVERS[0]?.email ?? '');
    expect(mail.subject).toContain('Approval needed');
    const page = await httpsRequest(approve, { ca });
    expect(page.status).toBe(200);
    expect(await stack.emlFiles(ID, 1)).toEqual([]);
    const $ = cheerio.load(page.body);
    const form = $('form');
    const action = new URL(form.attr('action') ?? '', approve).toString();
    const body = new URLSearchParams();
    form.find('input').each((_, input) => {
      body.set($(input).attr('name') ?? '', $(input).attr('value') ?? '');
    });
    const done = await httpsRequest(action, {
      ca,
      method: 'POST',
      body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(done.status).toBe(200);
    await stack.drain();
    const [summary] = stack.summary().statements;
    expect(summary).toMatchObject({ outcome: 'published', press: { emailed: 4 } });
    expect((await stack.emlFiles(ID, 1)).length).toBe(4);
  });
});
