import { describe, expect, it } from 'vitest';
import type { StatementInput } from '../../core/statement/schema';
import type { PartnerEnvelope } from '../../core/types';
import { createIngestHandler, type IngestDeps } from '../../functions/ingest/handler';
import {
  createReleaseHandler,
  type ReleaseOutcome,
  type SweepOutcome,
} from '../../functions/release/handler';
import { EmbargoNotLiftedError } from '../../functions/shared/errors';
import { createLogger } from '../../functions/shared/logger';
import type { WebsiteRelease } from '../../functions/shared/messages';
import { sampleInput } from '../fixtures/statements';
import { createFakeDynamo } from '../helpers/fake-dynamo';
import {
  BUCKET,
  FakeBucket,
  RecordingPublisher,
  RecordingScheduler,
  s3Event,
  s3Record,
  TABLE,
  TestClock,
} from '../helpers/herald-fakes';
import { seedHead } from '../helpers/ledger';

const ID = 'bscp-2024-02-scr';
const LIFT = '2024-02-21T00:01:00.000Z';
const BEFORE = '2024-02-20T12:00:00.000Z';

/** Ingests `inputs` in order before the lift, then hands back a release handler at the lift. */
async function embargoed(...inputs: StatementInput[]) {
  const bucket = new FakeBucket();
  const dynamo = createFakeDynamo();
  const publisher = new RecordingPublisher();
  const scheduler = new RecordingScheduler();
  const clock = new TestClock(new Date(BEFORE));
  const sleeps: number[] = [];
  const deps: IngestDeps = {
    s3: bucket.client,
    ddb: dynamo.client,
    publisher,
    scheduler,
    logger: createLogger({ logLevel: 'SILENT' }),
    clock: clock.now,
    settings: {
      bucket: BUCKET,
      tableName: TABLE,
      defaultTimezone: 'Europe/London',
      effectLeaseMs: 60_000,
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  };
  const ingest = createIngestHandler(deps);
  for (const [i, input] of inputs.entries()) {
    const key = `incoming/r${i + 1}.json`;
    const versionId = bucket.write(key, JSON.stringify(input));
    await ingest(s3Event(s3Record(key, { versionId })));
  }
  publisher.published.length = 0;
  clock.set(LIFT);
  const handler = createReleaseHandler(deps);
  return {
    bucket,
    dynamo,
    publisher,
    scheduler,
    clock,
    sleeps,
    release: async (request: { id: string; revision: number }) => asRelease(await handler(request)),
    sweep: async () => {
      const outcome = await handler({ type: 'sweep' });
      if (!('type' in outcome)) throw new Error('expected a sweep outcome');
      return outcome;
    },
  };
}

function asRelease(outcome: ReleaseOutcome | SweepOutcome): ReleaseOutcome {
  if ('type' in outcome) throw new Error('expected a release outcome');
  return outcome;
}

describe('release', () => {
  it('publishes the public copy, statement.released to partners and the website message at the lift', async () => {
    // Prepare
    const { release, publisher, bucket, dynamo } = await embargoed(sampleInput());

    // Act
    const outcome = await release({ id: ID, revision: 1 });

    // Assess
    expect(outcome).toEqual({
      id: ID,
      revision: 1,
      outcome: 'released',
      reason: null,
      website: true,
      partners: true,
      publishedPrefix: `published/${ID}/1/`,
    });
    expect(bucket.keys(`published/${ID}/`)).toEqual([
      `published/${ID}/1/envelope.json`,
      `published/${ID}/1/social.json`,
      `published/${ID}/1/statement.json`,
      `published/${ID}/1/statement.txt`,
      `published/${ID}/latest.json`,
    ]);
    const [envelope] = publisher.messages<PartnerEnvelope>('partners');
    expect(envelope?.type).toBe('statement.released');
    expect(publisher.on('partners')[0]?.attributes?.embargoed?.StringValue).toBe('false');
    expect(publisher.messages<WebsiteRelease>('website')).toEqual([
      {
        type: 'statement.released',
        id: ID,
        revision: 1,
        headline: 'Publication of a Serious Case Review',
        publishedPrefix: `published/${ID}/1/`,
        releasedAt: LIFT,
      },
    ]);
    expect(publisher.on('ops')[0]?.subject).toBe(`Herald: released ${ID} r1`);
    expect(dynamo.table.get(`stmt#${ID}`, 'head')).toMatchObject({
      releasedRevision: 1,
      releasedAt: LIFT,
    });
  });

  it('does nothing the second time the same release fires', async () => {
    // Prepare
    const { release, publisher } = await embargoed(sampleInput());
    await release({ id: ID, revision: 1 });
    const before = publisher.published.length;

    // Act
    const again = await release({ id: ID, revision: 1 });

    // Assess
    expect(again).toMatchObject({ outcome: 'skipped', reason: 'already-released' });
    expect(publisher.published).toHaveLength(before);
  });

  it('publishes nothing when the release fires after a withdrawal (it only tells ops)', async () => {
    // Prepare: the withdrawal lands but the schedule fires anyway (delete raced the firing).
    const withdrawal = {
      ...sampleInput(),
      revision: 2,
      status: 'withdraw' as const,
      withdrawalReason: 'Issued in error.',
    };
    const { release, publisher, bucket } = await embargoed(sampleInput(), withdrawal);

    // Act
    const outcome = await release({ id: ID, revision: 1 });
    const again = await release({ id: ID, revision: 1 });

    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'withdrawn', website: false });
    expect(again.reason).toBe('withdrawn');
    expect(publisher.on('partners')).toEqual([]);
    expect(publisher.on('website')).toEqual([]);
    expect(publisher.on('ops').map((p) => p.subject)).toEqual([
      `Herald: release of ${ID} r1 skipped (withdrawn)`,
    ]);
    expect(bucket.keys('published/')).toEqual([]);
  });

  it('skips a revision that a newer revision replaced', async () => {
    // Prepare
    const correction = { ...sampleInput(), revision: 2, correction: 'Fixed a typo.' };
    const { release, publisher } = await embargoed(sampleInput(), correction);

    // Act
    const outcome = await release({ id: ID, revision: 1 });

    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'superseded' });
    expect(publisher.published).toEqual([]);
  });

  it('sends no website message when channels.website is false', async () => {
    // Prepare
    const { release, publisher } = await embargoed({
      ...sampleInput(),
      channels: { website: false },
    });

    // Act
    const outcome = await release({ id: ID, revision: 1 });

    // Assess
    expect(outcome).toMatchObject({ outcome: 'released', website: false, partners: true });
    expect(publisher.on('website')).toEqual([]);
    expect(publisher.messages<PartnerEnvelope>('partners').map((m) => m.type)).toEqual([
      'statement.released',
    ]);
  });

  it('waits for the lift when the schedule fires a few seconds early', async () => {
    // Prepare
    const { release, publisher, clock, sleeps } = await embargoed(sampleInput());
    clock.set('2024-02-21T00:00:50.000Z');

    // Act
    const outcome = await release({ id: ID, revision: 1 });

    // Assess
    expect(sleeps).toEqual([10_000]);
    expect(outcome.outcome).toBe('released');
    expect(publisher.messages<WebsiteRelease>('website')[0]?.releasedAt).toBe(LIFT);
  });

  it('publishes nothing when a withdrawal lands while it waits for the lift', async () => {
    // Prepare: the schedule fires 10 s early; the withdrawal is recorded during the wait.
    const { publisher, clock, dynamo, bucket } = await embargoed(sampleInput());
    clock.set('2024-02-21T00:00:50.000Z');
    const handler = createReleaseHandler({
      s3: bucket.client,
      ddb: dynamo.client,
      publisher,
      logger: createLogger({ logLevel: 'SILENT' }),
      clock: clock.now,
      settings: { bucket: BUCKET, tableName: TABLE, effectLeaseMs: 60_000 },
      sleep: async (ms) => {
        seedHead(dynamo.table, { id: ID, revision: 2, status: 'withdraw' });
        clock.advance(ms);
      },
    });

    // Act
    const outcome = asRelease(await handler({ id: ID, revision: 1 }));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'withdrawn' });
    expect(publisher.on('partners')).toEqual([]);
    expect(publisher.on('website')).toEqual([]);
    expect(bucket.keys('published/')).toEqual([]);
  });

  it('fails (so the scheduler retries) when it fires long before the lift', async () => {
    // Prepare
    const { release, publisher, clock } = await embargoed(sampleInput());
    clock.set('2024-02-20T23:00:00.000Z');

    // Act
    const attempt = release({ id: ID, revision: 1 });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EmbargoNotLiftedError);
    expect(publisher.published).toEqual([]);
  });

  it('skips a statement the ledger does not know', async () => {
    // Prepare
    const { release, publisher } = await embargoed();

    // Act
    const outcome = await release({ id: 'no-such-statement', revision: 1 });

    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'unknown-statement' });
    expect(publisher.published).toEqual([]);
  });
});
