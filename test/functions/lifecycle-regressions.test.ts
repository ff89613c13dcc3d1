/**
 * Each way the lifecycle's promise was once broken, reproduced over the whole
 * pipeline (real handlers, in-memory fakes): nothing public before the lift in
 * force, nothing after a withdrawal but the withdrawal, every holder told, the
 * website never going back. One test per defect; the model-based test
 * (test/model/lifecycle.model.test.ts) explores the orders these do not name.
 */
import { readFileSync } from 'node:fs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { StatementInput } from '../../core/statement/schema';
import { summariseStatement } from '../../core/status';
import { recipientsOf } from '../../functions/shared/ledger/sends';
import { readStatementItems } from '../../functions/shared/ledger/status';
import { createFakeDynamo } from '../helpers/fake-dynamo';
import { TABLE } from '../helpers/herald-fakes';
import { World } from '../helpers/world';

const example = (name: string): StatementInput =>
  JSON.parse(readFileSync(new URL(`../../examples/statements/${name}`, import.meta.url), 'utf8'));
const ORIGINAL = example('01-bscp-serious-case-review.json');
const CORRECTION = example('05-bscp-serious-case-review-correction.json');
const ID = ORIGINAL.id;
const LIFT = Date.parse('2024-02-21T00:01:00Z');

function withdrawal(revision: number, extra: Partial<StatementInput> = {}): StatementInput {
  return {
    ...ORIGINAL,
    revision,
    status: 'withdraw',
    withdrawalReason: 'Published in error.',
    ...extra,
  };
}

/** A statement with no embargo (goes public at once). */
function unembargoed(revision = 1): StatementInput {
  const { embargo: _embargo, ...rest } = ORIGINAL;
  return revision === 1 ? rest : { ...rest, revision, correction: 'Fixed a typo.' };
}

/** The journalists the founding sample's topics select. */
const SELECTED = ['ann@example.org', 'cat@example.org', 'dev@example.org'];

describe('regressions: the lifecycle keeps its promise', () => {
  it('1. a correction uploaded before the lift keeps the embargo: nothing public until 00:01, then revision 2 is released', async () => {
    const world = new World('2024-02-20T09:00:00Z');
    await world.upload(ORIGINAL);
    const outcome = await world.upload(CORRECTION);
    await world.drain();

    expect(outcome).toMatchObject({
      outcome: 'corrected',
      embargoUntil: '2024-02-21T00:01:00.000Z',
    });
    expect(outcome?.warnings.map((w) => w.message).join('\n')).toMatch(/keeps revision 1's/);
    expect(world.observed('website')).toEqual([]);
    expect(world.observed('latest')).toEqual([]);
    const partners = world.observed('partner');
    expect(partners.filter((p) => p.type === 'statement.released')).toEqual([]);
    expect(partners.filter((p) => p.partner === 'public-only')).toEqual([]);
    const corrections = world.observed('email').filter((e) => e.revision === 2);
    expect(corrections.length).toBeGreaterThan(0);
    for (const email of corrections) expect(email.subject).toMatch(/EMBARGOED/);

    await world.drain({ pastLifts: true });
    const hooks = world.observed('website');
    expect(hooks.map((h) => [h.type, h.revision])).toEqual([['statement.released', 2]]);
    expect(hooks[0]?.at).toBeGreaterThanOrEqual(LIFT);
    expect(world.observed('latest').at(-1)?.latest).toMatchObject({
      status: 'released',
      revision: 2,
    });
  });

  it('2. a withdrawal cannot overtake a first publication half-way: partners never get published#1 after withdrawn#2', async () => {
    const world = new World();
    const first = world.bucket.write('incoming/one.json', JSON.stringify(ORIGINAL));
    const second = world.bucket.write('incoming/two.json', JSON.stringify(withdrawal(2)));
    // Pause revision 1 just as it claims its partners message.
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let reachedPartners: () => void = () => undefined;
    const atPartners = new Promise<void>((resolve) => {
      reachedPartners = resolve;
    });
    world.dynamo.table.gate = async (command, input) => {
      const item = input.Item as { sk?: string } | undefined;
      if (command === 'Put' && item?.sk === 'fx#0001#partners') {
        reachedPartners();
        await paused;
      }
    };
    const { s3Event, s3Record } = await import('../helpers/herald-fakes');
    const one = world.ingest(s3Event(s3Record('incoming/one.json', { versionId: first })));
    await atPartners;
    // The withdrawal arrives while revision 1 is half-way through.
    const two = world
      .ingest(s3Event(s3Record('incoming/two.json', { versionId: second })))
      .catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 20));
    world.dynamo.table.gate = null;
    resume();
    await one;
    const secondAttempt = await two;
    if (secondAttempt instanceof Error) {
      // It found the statement busy: Lambda's retry comes back.
      await world.ingest(s3Event(s3Record('incoming/two.json', { versionId: second })));
    }
    await world.drain({ pastLifts: true });

    const sequence = world
      .observed('partner')
      .filter((p) => p.partner === 'everything')
      .map((p) => `${p.type}#${p.revision}`);
    expect(sequence).toEqual(['statement.published#1', 'statement.withdrawn#2']);
    expect(world.schedules.size).toBe(0);
    expect(world.observed('website')).toEqual([]);
  });

  it('3a. a withdrawal with channels.press false still sends every holder the kill notice', async () => {
    const world = new World();
    await world.upload(ORIGINAL);
    await world.drain();
    const holders = new Set(world.observed('email').map((e) => e.to));
    expect(holders.size).toBeGreaterThan(0);

    await world.upload(
      withdrawal(2, { channels: { press: false, partners: false, website: false } }),
    );
    await world.drain({ pastLifts: true });

    const kills = world.observed('email').filter((e) => e.revision === 2);
    expect(kills.map((e) => e.to).sort()).toEqual([...holders].sort());
    expect(kills.every((e) => /WITHDRAWN/.test(e.subject))).toBe(true);
    expect(
      world.observed('partner').filter((p) => p.type === 'statement.withdrawn').length,
    ).toBeGreaterThan(0);
  });

  it('3b. a correction with channels.press false still reaches everyone revision 1 was for, even those not yet mailed', async () => {
    const world = new World();
    await world.upload(ORIGINAL);
    // Dispatch runs; revision 1's send batches are still queued when the correction lands.
    await world.pump('press');
    expect(world.sends.length).toBeGreaterThan(0);
    await world.upload({ ...CORRECTION, channels: { press: false } });
    await world.drain({ pastLifts: true });

    const latestPerJournalist = new Map<string, number>();
    for (const e of world.observed('email')) {
      latestPerJournalist.set(e.to, Math.max(latestPerJournalist.get(e.to) ?? 0, e.revision));
    }
    expect(Object.fromEntries(latestPerJournalist)).toEqual({
      'ann@example.org': 2,
      'cat@example.org': 2,
      'dev@example.org': 2,
    });
  });

  it('4a. a withdrawal after release takes the statement off the website and out of published/', async () => {
    const world = new World();
    await world.upload(unembargoed());
    await world.drain();
    expect(world.observed('website').map((h) => h.type)).toEqual(['statement.released']);

    await world.upload(withdrawal(2));
    await world.drain({ pastLifts: true });

    expect(world.observed('website').map((h) => [h.type, h.revision])).toEqual([
      ['statement.released', 1],
      ['statement.withdrawn', 2],
    ]);
    expect(world.observed('latest').at(-1)?.latest).toMatchObject({
      status: 'withdrawn',
      revision: 2,
    });
  });

  it('4b. a withdrawal racing the release at the lift: published/ ends withdrawn and the website is told', async () => {
    const world = new World();
    await world.upload(ORIGINAL);
    await world.drain();
    // The release at the lift pauses after writing its public files.
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let reached: () => void = () => undefined;
    const atPartners = new Promise<void>((resolve) => {
      reached = resolve;
    });
    world.dynamo.table.gate = async (command, input) => {
      const item = input.Item as { sk?: string } | undefined;
      if (command === 'Put' && item?.sk === 'fx#0001#release-partners') {
        reached();
        await paused;
      }
    };
    world.clock.set(new Date(LIFT + 1_000));
    const releasing = world.fireDue();
    await atPartners;
    const withdrawing = world.upload(withdrawal(2)).catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 20));
    world.dynamo.table.gate = null;
    resume();
    await releasing;
    await withdrawing;
    if (world.outcomes.at(-1)?.revision !== 2) await world.redeliverUpload(2);
    await world.drain({ pastLifts: true });

    expect(world.observed('latest').at(-1)?.latest).toMatchObject({
      status: 'withdrawn',
      revision: 2,
    });
    expect(world.observed('website').at(-1)).toMatchObject({
      type: 'statement.withdrawn',
      revision: 2,
    });
  });

  it('5. a withdrawal tells partners who never had the statement nothing of its text', async () => {
    const world = new World();
    await world.upload(ORIGINAL);
    await world.drain();
    expect(world.observed('partner').filter((p) => p.partner === 'public-only')).toEqual([]);

    await world.upload(withdrawal(2));
    await world.drain({ pastLifts: true });

    const seen = world.observed('partner').filter((p) => p.partner === 'public-only');
    expect(seen.map((p) => p.type)).toEqual(['statement.withdrawn']);
    for (const text of [
      ORIGINAL.headline,
      ORIGINAL.subheading ?? '',
      'asylum-seeking',
      'Lawrence Vos',
    ]) {
      expect(seen[0]?.body).not.toContain(text);
    }
  });

  it('6. the kill-notice and correction audience is read with strong consistency', async () => {
    const dynamo = createFakeDynamo();
    dynamo.table.put({ pk: `stmt#${ID}`, sk: 'sent#0001#ann@example.org', status: 'sending' });
    const holders = await recipientsOf({ ddb: dynamo.client, tableName: TABLE }, ID);
    expect(holders).toEqual(['ann@example.org']);
    const queries = dynamo.mock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) expect(query.ConsistentRead).toBe(true);
  });

  it('7. a redriven website message never rolls the site back to an older revision', async () => {
    const world = new World();
    await world.upload(unembargoed());
    // The site is down for revision 1's hook (it will be retried later, after revision 2).
    world.faults.push({ on: 'website', status: 503, revision: 1 });
    await world.pump();
    await world.pump();
    await world.upload(unembargoed(2));
    await world.drain({ pastLifts: true });

    const hooks = world.observed('website').map((h) => h.revision);
    expect(hooks.at(-1)).toBe(2);
    expect(hooks).toEqual([...hooks].sort((a, b) => a - b));
    expect(world.observed('latest').at(-1)?.latest).toMatchObject({
      status: 'released',
      revision: 2,
    });
  });

  it('8. a withdrawn statement cannot be revived by a later revision', async () => {
    const world = new World();
    await world.upload(unembargoed());
    await world.upload(withdrawal(2));
    await world.drain();
    const before = world.log.length;

    const revived = await world.upload(unembargoed(3));
    await world.drain({ pastLifts: true });

    expect(revived).toMatchObject({ outcome: 'rejected' });
    expect(revived?.errors[0]?.message).toMatch(/withdrawn in revision 2.*new id/);
    expect(world.log.slice(before)).toEqual([]);
  });

  it('9. an ambiguous SES answer is retried (never lost) and counted as a possible duplicate', async () => {
    const world = new World();
    world.faults.push({ on: 'ses', kind: 'ambiguous-accepted' });
    await world.upload(unembargoed());
    await world.drain();

    const emails = world.observed('email');
    expect(new Set(emails.map((e) => e.to))).toEqual(new Set(SELECTED));
    const items = await readStatementItems({ ddb: world.dynamo.client, tableName: TABLE }, ID);
    const status = summariseStatement(items, world.clock.now());
    expect(status?.revisions[0]?.emails).toMatchObject({ possibleDuplicates: 1 });
    expect(emails.length).toBe(SELECTED.length + 1);
  });
});
