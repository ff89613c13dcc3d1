import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDispatchHandler } from '../../functions/dispatch/handler';
import { sentSk, statementPk, suppressionPk } from '../../functions/shared/ledger/client';
import { createLogger } from '../../functions/shared/logger';
import { type PressJob, parseSendBatch, type SendBatch } from '../../functions/shared/messages';
import type { QueueName, QueueSender } from '../../functions/shared/ports';
import { createFakeDynamo, type FakeDynamo } from '../helpers/fake-dynamo';
import { BUCKET, FakeBucket, RecordingPublisher, TABLE, TestClock } from '../helpers/herald-fakes';
import { seedHead } from '../helpers/ledger';

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

/** The press job the lifecycle gives each kind (topics: the press-list selection). */
function job(type: PressJob['type'], revision = 1, topics: string[] = ['health']): PressJob {
  return {
    id: ID,
    revision,
    type,
    emailKey: emailKey(revision),
    topics: type === 'withdrawn' ? null : topics,
    holders: type !== 'published',
  };
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

/** `revision` is the revision in force. */
function inForce(revision: number, status: 'publish' | 'withdraw' = 'publish') {
  seedHead(ddb.table, { id: ID, revision, status });
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
  inForce(1);
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
    inForce(2);
    writeList('old@example.org,Old,Post,health', 'new@example.org,New,Post,education');
    markSent(1, 'old@example.org');
    await makeHandler()(sqsEvent(job('corrected', 2, ['education'])));
    expect(queue.emails().sort()).toEqual(['new@example.org', 'old@example.org']);
    expect(queue.batches()[0]).toMatchObject({ revision: 2, emailKey: emailKey(2) });
  });

  it('sends a correction to earlier recipients once, with press-list details where the list has them', async () => {
    inForce(2);
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
    inForce(2, 'withdraw');
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
    inForce(2, 'withdraw');
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

  it('reads earlier recipients with a strongly consistent query (a just-claimed send is not missed)', async () => {
    inForce(2, 'withdraw');
    writeList('got-it@example.org,Got It,Post,health');
    markSent(1, 'got-it@example.org');
    await makeHandler()(sqsEvent(job('withdrawn', 2)));
    const holderQueries = ddb.mock
      .commandCalls(QueryCommand)
      .map((c) => c.args[0].input)
      .filter((q) => q.ExpressionAttributeValues?.[':prefix'] === 'sent#');
    expect(holderQueries.length).toBeGreaterThan(0);
    expect(holderQueries.every((q) => q.ConsistentRead === true)).toBe(true);
  });

  it("sends a withdrawal's kill notice to a holder who unsubscribed, but never to a bounced address", async () => {
    inForce(2, 'withdraw');
    writeList('left@example.org,Left,Post,health', 'bounced@example.org,Bounced,Post,health');
    markSent(1, 'left@example.org');
    markSent(1, 'bounced@example.org');
    ddb.table.put({ pk: suppressionPk('left@example.org'), sk: 'suppress', reason: 'unsubscribe' });
    ddb.table.put({ pk: suppressionPk('bounced@example.org'), sk: 'suppress', reason: 'bounce' });
    await makeHandler()(sqsEvent(job('withdrawn', 2)));
    expect(queue.emails()).toEqual(['left@example.org']);
  });

  it("does nothing for a revision a newer one replaced: the newer revision's job covers everyone", async () => {
    inForce(2);
    writeList('ann@example.org,Ann,Post,health');
    const result = await makeHandler()(sqsEvent(job('published', 1)));
    expect(result.batchItemFailures).toEqual([]);
    expect(queue.sent).toEqual([]);
  });

  it('warns ops at once when nobody on the press list is chosen (no "0 emailed" success)', async () => {
    writeList('c@example.org,C,Post,crime');
    await makeHandler()(sqsEvent(job('published')));
    expect(queue.sent).toEqual([]);
    const [report] = ops.on('ops');
    expect(report?.subject).toBe(`Herald: delivered ${ID} r1 to the press`);
    expect(report?.body).toContain('Emailed: 0');
    expect(report?.body).toMatch(/WARNING: nobody was emailed/);
  });

  it('selects by the topics in the press job, every journalist for []', async () => {
    writeList('h@example.org,H,Post,health', 'c@example.org,C,Post,crime');
    await makeHandler()(sqsEvent(job('published', 1, [])));
    expect(queue.emails()).toEqual(['h@example.org', 'c@example.org']);
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
