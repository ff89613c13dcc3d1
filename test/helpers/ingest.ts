/**
 * One ingest over fakes (an in-memory bucket and DynamoDB, recording publisher and
 * scheduler, a fixed clock), as the ingest tests use it.
 */
import type { StatementInput } from '../../core/statement/schema';
import { createIngestHandler, type IngestDeps } from '../../functions/ingest/handler';
import { createLogger } from '../../functions/shared/logger';
import { createFakeDynamo } from './fake-dynamo';
import {
  BUCKET,
  FakeBucket,
  RecordingPublisher,
  RecordingScheduler,
  s3Record,
  TABLE,
  TestClock,
} from './herald-fakes';

export function setupIngest(now = '2024-02-20T12:00:00.000Z') {
  const bucket = new FakeBucket();
  const dynamo = createFakeDynamo();
  const publisher = new RecordingPublisher();
  const scheduler = new RecordingScheduler();
  const clock = new TestClock(new Date(now));
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
  };
  const ingest = createIngestHandler(deps);
  /** Uploads `content` to incoming/<name> and returns the record S3 would send (form-encoded key). */
  const upload = (content: StatementInput | string, name = 'statement.json') => {
    const key = `incoming/${name}`;
    const versionId = bucket.write(
      key,
      typeof content === 'string' ? content : JSON.stringify(content),
    );
    return s3Record(formEncode(key), { versionId });
  };
  return { bucket, dynamo, publisher, scheduler, clock, deps, ingest, upload };
}

function formEncode(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29');
}
