/**
 * The MIME ingest stores for send is a head start: if preparing it fails, the
 * statement still goes out, with email.json holding the email alone.
 */
import { describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/handler';
import { createLogger } from '../../functions/shared/logger';
import type { PressJob } from '../../functions/shared/messages';
import { readStoredEmail } from '../../functions/shared/rendered-email';
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

vi.mock('../../core/mime', async (original) => ({
  ...(await original<typeof import('../../core/mime')>()),
  storedMimeFor: () => {
    throw new Error('preparation failed');
  },
}));

describe('ingest: when the email cannot be prepared for send', () => {
  it('stores the email alone, logs why, and sends the statement as usual', async () => {
    const bucket = new FakeBucket();
    const publisher = new RecordingPublisher();
    const logger = createLogger({ logLevel: 'SILENT' });
    const warn = vi.spyOn(logger, 'warn');
    const ingest = createIngestHandler({
      s3: bucket.client,
      ddb: createFakeDynamo().client,
      publisher,
      scheduler: new RecordingScheduler(),
      logger,
      clock: new TestClock(new Date('2024-02-21T00:00:00.000Z')).now,
      settings: {
        bucket: BUCKET,
        tableName: TABLE,
        defaultTimezone: 'Europe/London',
        effectLeaseMs: 60_000,
        sender: { from: 'Press Office <press@example.org>' },
      },
    });
    const key = 'incoming/statement.json';
    const versionId = bucket.write(key, JSON.stringify(sampleInput()));

    await ingest(s3Event(s3Record(key, { versionId })));

    const id = sampleInput().id;
    const stored = readStoredEmail(JSON.parse(bucket.text(`rendered/${id}/1/email.json`) ?? '{}'));
    expect(stored.mime).toBeUndefined();
    expect(stored.email.subject).toContain(sampleInput().headline);
    expect(warn.mock.calls.map(([message]) => message)).toContain(
      'Could not prepare the email for send; send will prepare it itself',
    );
    const press = publisher.published.filter((p) => p.topic === 'press');
    expect(press.map((p) => (JSON.parse(p.body) as PressJob).emailKey)).toEqual([
      `rendered/${id}/1/email.json`,
    ]);
  });
});
