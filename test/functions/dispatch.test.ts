import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDispatchHandler, envelopeKeyFor } from '../../functions/dispatch/handler';
import { sentSk, statementPk, suppressionPk } from '../../functions/shared/ledger/client';
import { createLogger } from '../../functions/shared/logger';
import { type PressJob, parseSendBatch, type SendBatch } from '../../functions/shared/messages';
import type { QueueName, QueueSender } from '../../functions/shared/ports';
import { createFakeDynamo, type FakeDynamo } from '../helpers/fake-dynamo';
import { BUCKET, FakeBucket, RecordingPublisher, TABLE, TestClock } from '../helpers/herald-fakes';

const ID = 'bscp-2024-02-scr';
const PRESS_LIST = 'lists/press.csv';
const emailKey = (rev: number) => `rendered/${ID}/${rev}/email.json`;

class RecordingQueue implements QueueSender {
  readonly sent: Array<{ queue: QueueName; body: string }> = [];
  /** Bodies per sendBatch call. */
  readonly calls: number[] = [];
  async sendBatch(queue: QueueName, bodies: string[]) {
    this.calls.push(bodies.length);
    for (const body of bodies) this.sent.push({ queue, body });
  }
  batches(): SendBatch[] {
    return this.sent.map((s) => parseSendBatch(s.body));
  }
  emails(): string[] {
    return this.batches().flatMap((b) => b.recipients.map((r) => r.email));
  }
}

let ddb: FakeDynamo;
let bucket: FakeBucket;
let queue: RecordingQueue;
let ops: RecordingPublisher;

function makeHandler() {
  return createDispatchHandler({
    s3: bucket.client,
    ddb: ddb.client,
    queue,
    publisher: ops,
    logger: createLogger({ logLevel: 'SILENT' }),
    clock: new TestClock(new Date('2024-02-20T10:00:00Z')).now,
    settings: { bucket: BUCKET, tableName: TABLE, pressListKey: PRESS_LIST },
  });
}

function job(type: PressJob['type'], revision = 1): PressJob {
  return { id: ID, revision, type, emailKey: emailKey(revision) };
}

function sqsEvent(...bodies: Array<PressJob | string>): SQSEvent {
  return {
    Records: bodies.map(
      (body, i) =>
        ({
          messageId: `msg-${i}`,
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }) as SQSRecord,
    ),
  };
}

function writeStatement(revision: number, topics: string[]) {
  bucket.write(
    envelopeKeyFor(emailKey(revision)),
    JSON.stringify({ type: 'statement.published', statement: { id: ID, revision, topics } }),
  );
}

function writeList(...rows: string[]) {
  bucket.write(PRESS_LIST, ['email,name,outlet,topics', ...rows].join('\n'));
}

function markSent(revision: number, email: string) {
  ddb.table.put({
    pk: statementPk(ID),
    sk: sentSk(revision, email),
    status: 'sent',
    email,
    revision,
  });
}

beforeEach(() => {
  ddb = createFakeDynamo();
  bucket = new FakeBucket();
  queue = new RecordingQueue();
  ops = new RecordingPublisher();
  writeStatement(1, ['health']);
});

describe('dispatch', () => {
  it('enqueues the journalists whose topics match, in batches of at most 50', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `j${i}@example.org,J ${i},Outlet,health`);
    writeList(...rows, 'crime@example.org,Crime Desk,Outlet,crime', 'all@example.org,All,Outlet,');
    const result = await makeHandler()(sqsEvent(job('published')));
    expect(result.batchItemFailures).toEqual([]);
    const batches = queue.batches();
    expect(batches.map((b) => b.recipients.length)).toEqual([50, 50, 21]);
    expect(queue.sent.every((s) => s.queue === 'send')).toBe(true);
    expect(batches[0]).toMatchObject({ id: ID, revision: 1, emailKey: emailKey(1) });
    expect(queue.emails()).toContain('all@example.org');
    expect(queue.emails()).not.toContain('crime@example.org');
    expect(batches[0]?.recipients[0]).toEqual({
      email: 'j0@example.org',
      name: 'J 0',
      outlet: 'Outlet',
    });
  });

  it('streams: enqueues full batches ten at a time, keeping batches full around suppressed addresses', async () => {
    const rows = Array.from({ length: 1_230 }, (_, i) => `j${i}@example.org,J ${i},Outlet,health`);
    writeList(...rows);
    for (const i of [0, 49, 50, 777]) {
      ddb.table.put({ pk: suppressionPk(`j${i}@example.org`), sk: 'suppress', reason: 'bounce' });
    }
    const result = await makeHandler()(sqsEvent(job('published')));
    expect(result.batchItemFailures).toEqual([]);
    expect(queue.calls).toEqual([10, 10, 5]);
    const sizes = queue.batches().map((b) => b.recipients.length);
    expect(sizes).toEqual([...Array.from({ length: 24 }, () => 50), 26]);
    const emails = queue.emails();
    expect(emails).toHaveLength(1_226);
    expect(new Set(emails).size).toBe(1_226);
    expect(emails.slice(0, 2)).toEqual(['j1@example.org', 'j2@example.org']);
    expect(emails).not.toContain('j777@example.org');
  });

  it('leaves out suppressed addresses', async () => {
    writeList('ann@example.org,Ann,Post,', 'Bob@Example.org,Bob,Post,');
    ddb.table.put({ pk: suppressionPk('bob@example.org'), sk: 'suppress', reason: 'bounce' });
    await makeHandler()(sqsEvent(job('published')));
    expect(queue.emails()).toEqual(['ann@example.org']);
  });

  it('reports bad rows to ops once, even when the press job is delivered again', async () => {
    writeList('ann@example.org,Ann,Post,', 'not-an-email,Bad,Post,', 'ANN@example.org,Dup,Post,');
    const handler = makeHandler();
    await handler(sqsEvent(job('published')));
    await handler(sqsEvent(job('published')));
    const reports = ops.on('ops');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.subject).toMatch(/press list problems \(1 rows not used\)/);
    expect(reports[0]?.body).toMatch(/line 3: .*not a valid email address/);
    expect(reports[0]?.body).toMatch(/line 4: note: /);
    // The redelivery enqueues again; send skips whoever was already mailed.
    expect(queue.emails()).toEqual(['ann@example.org', 'ann@example.org']);
  });

  it('sends a correction to earlier recipients and to newly matching journalists', async () => {
    writeStatement(2, ['education']);
    writeList('old@example.org,Old,Post,health', 'new@example.org,New,Post,education');
    markSent(1, 'old@example.org');
    await makeHandler()(sqsEvent(job('corrected', 2)));
    expect(queue.emails().sort()).toEqual(['new@example.org', 'old@example.org']);
    expect(queue.batches()[0]).toMatchObject({ revision: 2, emailKey: emailKey(2) });
  });

  it('sends a correction to earlier recipients once, with press-list details where the list has them', async () => {
    writeStatement(2, ['health']);
    writeList('Old@example.org,Old,Post,health', 'new@example.org,New,Post,health');
    markSent(1, 'old@example.org');
    markSent(1, 'gone@example.org');
    await makeHandler()(sqsEvent(job('corrected', 2)));
    expect(queue.batches().flatMap((b) => b.recipients)).toEqual([
      { email: 'Old@example.org', name: 'Old', outlet: 'Post' },
      { email: 'new@example.org', name: 'New', outlet: 'Post' },
      { email: 'gone@example.org' },
    ]);
  });

  it('sends a withdrawal only to those who received the statement or may have (a send in flight)', async () => {
    writeStatement(2, ['health']);
    writeList('got-it@example.org,Got It,Post,health', 'never@example.org,Never,Post,health');
    markSent(1, 'got-it@example.org');
    ddb.table.put({ pk: statementPk(ID), sk: sentSk(1, 'pending@example.org'), status: 'sending' });
    await makeHandler()(sqsEvent(job('withdrawn', 2)));
    expect(queue.batches().flatMap((b) => b.recipients)).toEqual([
      { email: 'got-it@example.org', name: 'Got It', outlet: 'Post' },
      { email: 'pending@example.org' },
    ]);
  });

  it('fails the press job when the press list is missing, reporting it once, and enqueues nothing', async () => {
    const handler = makeHandler();
    const first = await handler(sqsEvent(job('published')));
    const second = await handler(sqsEvent(job('published')));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(queue.sent).toEqual([]);
    expect(ops.on('ops')).toHaveLength(1);
    expect(ops.on('ops')[0]?.body).toMatch(/does not exist/);
  });

  it('still sends a withdrawal to earlier recipients when the press list is unreadable', async () => {
    writeStatement(2, ['health']);
    bucket.write(PRESS_LIST, 'this is not a press list\n');
    markSent(1, 'got-it@example.org');
    const result = await makeHandler()(sqsEvent(job('withdrawn', 2)));
    expect(result.batchItemFailures).toEqual([]);
    expect(queue.emails()).toEqual(['got-it@example.org']);
  });

  it('fails only the record whose body is not a press job', async () => {
    writeList('ann@example.org,Ann,Post,');
    const result = await makeHandler()(sqsEvent('{"nope": true}', job('published')));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(queue.emails()).toEqual(['ann@example.org']);
  });

  it('enqueues again when the ops topic fails, so a report problem never loses the press', async () => {
    writeList('ann@example.org,Ann,Post,', 'bad,Bad,Post,');
    ops.failNext('ops', new Error('SNS is down'));
    const handler = makeHandler();
    const first = await handler(sqsEvent(job('published')));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(queue.emails()).toEqual(['ann@example.org']);
    const second = await handler(sqsEvent(job('published')));
    expect(second.batchItemFailures).toEqual([]);
    expect(ops.on('ops')).toHaveLength(1);
  });
});
