import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { simpleParser } from 'mailparser';
import { beforeEach, describe, expect, it } from 'vitest';
import { storedMimeFor } from '../../core/mime';
import { verifyUnsubscribeToken } from '../../core/security/unsubscribe-token';
import type { Recipient, RenderedEmail } from '../../core/types';
import {
  classifySesError,
  createSendHandler,
  type SendSettings,
} from '../../functions/send/handler';
import { sentSk, statementPk, suppressionPk } from '../../functions/shared/ledger/client';
import { createLogger } from '../../functions/shared/logger';
import type { SendBatch } from '../../functions/shared/messages';
import { staticSecret } from '../../functions/shared/secrets';
import { createFakeDynamo, type FakeDynamo } from '../helpers/fake-dynamo';
import { BUCKET, FakeBucket, RecordingPublisher, TABLE, TestClock } from '../helpers/herald-fakes';
import { seedHead } from '../helpers/ledger';
import { VirtualTime } from '../helpers/virtual-time';

const SECRET = 'unsubscribe-secret';
const ID = 'bscp-2024-02-scr';
const EMAIL_KEY = `rendered/${ID}/1/email.json`;
const UNSUBSCRIBE_BASE = 'https://unsub.example.org/';

const rendered: RenderedEmail = {
  statementId: ID,
  revision: 1,
  language: 'en-GB',
  subject:
    'EMBARGOED until 00:01 GMT, Wednesday 21 February 2024: Publication of a Serious Case Review',
  html: {
    parts: ['<p>', '</p><p>Body</p><p><a href="', '">Unsubscribe</a></p>'],
    slots: ['greeting', 'unsubscribeUrl'],
  },
  text: { parts: ['', '\n\nBody\n\nUnsubscribe: ', '\n'], slots: ['greeting', 'unsubscribeUrl'] },
  replyTo: { name: 'Lawrence Vos', address: 'lawrence.vos@example.org' },
};

const ann: Recipient = { email: 'Ann@Example.org', name: 'Ann Reporter', outlet: 'Daily Post' };
const bob: Recipient = { email: 'bob@example.org' };

function sqsEvent(...batches: SendBatch[]): SQSEvent {
  return {
    Records: batches.map(
      (batch, i) =>
        ({
          messageId: `msg-${i}`,
          receiptHandle: `rh-${i}`,
          body: JSON.stringify(batch),
          attributes: {},
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:eu-west-2:111122223333:send',
          awsRegion: 'eu-west-2',
        }) as unknown as SQSRecord,
    ),
  };
}

const batchOf = (...recipients: Recipient[]): SendBatch => ({
  id: ID,
  revision: 1,
  type: 'published',
  batch: 1,
  emailKey: EMAIL_KEY,
  recipients,
});

function throttling(): Error {
  return Object.assign(new Error('Maximum sending rate exceeded.'), {
    name: 'Throttling',
    $metadata: { httpStatusCode: 400 },
  });
}

let ddb: FakeDynamo;
let ops: RecordingPublisher;
let bucket: FakeBucket;
let clock: TestClock;
let slept: number[];
const sesClient = new SESClient({
  region: 'eu-west-2',
  credentials: { accessKeyId: 't', secretAccessKey: 't' },
});
const ses = mockClient(sesClient);

function makeHandler(
  settings: Partial<SendSettings> = {},
  sleep = async (ms: number) => {
    slept.push(ms);
    clock.advance(ms);
  },
) {
  return createSendHandler({
    s3: bucket.client,
    ses: sesClient,
    ddb: ddb.client,
    logger: createLogger({ logLevel: 'SILENT' }),
    clock: clock.now,
    sleep,
    random: () => 0.5,
    unsubscribeSecret: staticSecret(SECRET),
    publisher: ops,
    settings: {
      bucket: BUCKET,
      tableName: TABLE,
      from: 'Herald Press Office <press@example.org>',
      configurationSet: 'herald-events',
      unsubscribeBaseUrl: UNSUBSCRIBE_BASE,
      ratePerSecond: 10,
      leaseMs: 60_000,
      ...settings,
    },
  });
}

const sendItem = (email: string) => ddb.table.get(statementPk(ID), sentSk(1, email));
const rawMessages = () =>
  ses
    .commandCalls(SendRawEmailCommand)
    .map((c) => Buffer.from(c.args[0].input.RawMessage?.Data ?? new Uint8Array()));

beforeEach(() => {
  ddb = createFakeDynamo();
  ops = new RecordingPublisher();
  bucket = new FakeBucket();
  bucket.write(EMAIL_KEY, JSON.stringify(rendered), 'application/json');
  clock = new TestClock(new Date('2024-02-20T10:00:00Z'));
  seedHead(ddb.table, { id: ID, revision: 1 });
  slept = [];
  ses.reset();
  let n = 0;
  ses.on(SendRawEmailCommand).callsFake(async () => ({ MessageId: `ses-${++n}` }));
});

describe('send', () => {
  it('sends one email per recipient, each with their own verifiable one-click unsubscribe link', async () => {
    const result = await makeHandler()(sqsEvent(batchOf(ann, bob)));
    expect(result.batchItemFailures).toEqual([]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 2);
    expect(ses).toHaveReceivedCommandWith(SendRawEmailCommand, {
      ConfigurationSetName: 'herald-events',
    });

    for (const raw of rawMessages()) {
      const parsed = await simpleParser(raw);
      const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
      const address = to?.value[0]?.address ?? '';
      const line = parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
      const url = /<(https:[^>]+)>/.exec(line)?.[1] ?? '';
      expect(url.startsWith(UNSUBSCRIBE_BASE)).toBe(true);
      const verified = verifyUnsubscribeToken(new URL(url).searchParams.get('t'), SECRET);
      expect(verified).toEqual({ ok: true, email: expect.any(String) });
      expect(verified.ok && verified.email.toLowerCase()).toBe(address.toLowerCase());
      const post = parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line;
      expect(post).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      // The same link is in the body the journalist sees.
      expect(parsed.text).toContain(url);
    }
    expect(sendItem('ann@example.org')).toMatchObject({
      status: 'sent',
      sesMessageId: expect.stringMatching(/^ses-/),
    });
    expect(sendItem('bob@example.org')).toMatchObject({ status: 'sent' });
  });

  it('retries Throttling with backoff and sends exactly one email, dropping nothing', async () => {
    ses
      .on(SendRawEmailCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(throttling())
      .resolves({ MessageId: 'ses-after-throttle' });
    const result = await makeHandler()(sqsEvent(batchOf(ann)));
    expect(result.batchItemFailures).toEqual([]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 3);
    expect(sendItem(ann.email)).toMatchObject({
      status: 'sent',
      sesMessageId: 'ses-after-throttle',
    });
    // Exponential: the second wait is longer than the first.
    const backoffs = slept.filter((ms) => ms >= 250);
    expect(backoffs.length).toBeGreaterThanOrEqual(2);
    expect(backoffs[1]).toBeGreaterThan(backoffs[0] ?? 0);
  });

  it('fails the record for SQS to redeliver when throttling outlasts the attempts, and the retry sends', async () => {
    ses.on(SendRawEmailCommand).rejects(throttling());
    const first = await makeHandler({ maxAttempts: 3 })(sqsEvent(batchOf(ann)));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 3);
    // The claim was given back, so the redelivery need not wait for the lease.
    expect(sendItem(ann.email)).toBeUndefined();

    ses.on(SendRawEmailCommand).resolves({ MessageId: 'ses-later' });
    const second = await makeHandler()(sqsEvent(batchOf(ann)));
    expect(second.batchItemFailures).toEqual([]);
    expect(sendItem(ann.email)).toMatchObject({ status: 'sent', sesMessageId: 'ses-later' });
  });

  it('records a MessageRejected address as rejected and does not retry it forever', async () => {
    ses.on(SendRawEmailCommand).rejects(
      Object.assign(new Error('Address blacklisted.'), {
        name: 'MessageRejected',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const first = await makeHandler()(sqsEvent(batchOf(ann)));
    expect(first.batchItemFailures).toEqual([]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 1);
    expect(sendItem(ann.email)).toMatchObject({
      status: 'rejected',
      reason: 'Address blacklisted.',
    });

    await makeHandler()(sqsEvent(batchOf(ann)));
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 1);
  });

  it('does not send again on a duplicate SQS delivery', async () => {
    const handler = makeHandler();
    await handler(sqsEvent(batchOf(ann, bob)));
    const again = await handler(sqsEvent(batchOf(ann, bob)));
    expect(again.batchItemFailures).toEqual([]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 2);
  });

  it('skips a recipient who unsubscribed after dispatch', async () => {
    ddb.table.put({ pk: suppressionPk('ann@example.org'), sk: 'suppress', reason: 'unsubscribe' });
    const result = await makeHandler()(sqsEvent(batchOf(ann, bob)));
    expect(result.batchItemFailures).toEqual([]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 1);
    const parsed = await simpleParser(rawMessages()[0] ?? Buffer.alloc(0));
    expect(parsed.headers.get('to')).toMatchObject({ value: [{ address: 'bob@example.org' }] });
    expect(sendItem(ann.email)).toBeUndefined();
  });

  it('resends once after a crash between SES accepting and markSent, but only after the lease (documented at-least-once)', async () => {
    // markSent's update fails on every attempt of the first delivery.
    ddb.table.failWhen(
      'Update',
      (input) => JSON.stringify(input.ExpressionAttributeValues ?? {}).includes('"sent"'),
      () => new Error('DynamoDB unavailable'),
      3,
    );
    const handler = makeHandler({ leaseMs: 60_000 });
    const first = await handler(sqsEvent(batchOf(ann)));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 1);
    expect(sendItem(ann.email)).toMatchObject({ status: 'sending' });

    // A redelivery inside the lease must not send: the first attempt may still be running.
    const second = await handler(sqsEvent(batchOf(ann)));
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 1);

    // After the lease the retry takes over and sends again rather than risk losing the email.
    clock.advance(60_001);
    const third = await handler(sqsEvent(batchOf(ann)));
    expect(third.batchItemFailures).toEqual([]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 2);
    expect(sendItem(ann.email)).toMatchObject({ status: 'sent', attempts: 2 });

    await handler(sqsEvent(batchOf(ann)));
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 2);
  });

  it('paces SES calls to the configured rate using the injected clock', async () => {
    const calls: number[] = [];
    ses.on(SendRawEmailCommand).callsFake(async () => {
      calls.push(clock.now().getTime());
      return { MessageId: `ses-${calls.length}` };
    });
    const recipients = Array.from({ length: 6 }, (_, i) => ({ email: `j${i}@example.org` }));
    const time = new VirtualTime(clock);
    await time.run(
      makeHandler(
        { ratePerSecond: 2, maxConcurrency: 3 },
        time.sleep,
      )(sqsEvent(batchOf(...recipients))),
    );
    expect(calls).toHaveLength(6);
    const gaps = calls.slice(1).map((t, i) => t - (calls[i] ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(500);
  });

  it('fails the record when the rendered email cannot be read, without sending, and gives the claim back', async () => {
    // Act: the email is missing (it loads beside the claims), then it appears and SQS redelivers.
    const handler = makeHandler();
    const missingKey = `rendered/${ID}/9/email.json`;
    const result = await handler(sqsEvent({ ...batchOf(ann), emailKey: missingKey }));
    const claimAfterFailure = sendItem(ann.email);
    bucket.write(missingKey, JSON.stringify(rendered), 'application/json');
    const retry = await handler(sqsEvent({ ...batchOf(ann), emailKey: missingKey }));

    // Assess: nothing sent and nothing left claimed, so the redelivery sends at once, once.
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(claimAfterFailure).toBeUndefined();
    expect(retry.batchItemFailures).toEqual([]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 1);
  });

  it('sends nothing more of a revision that a withdrawal or correction replaced after dispatch', async () => {
    // Prepare: revision 2 (a withdrawal) is in force; its dispatch only reaches those already sent r1.
    seedHead(ddb.table, { id: ID, revision: 2, status: 'withdraw' });

    // Act
    const result = await makeHandler()(sqsEvent(batchOf(ann, bob)));

    // Assess: acknowledged (no retry), nothing sent, no claim left behind
    expect(result.batchItemFailures).toEqual([]);
    expect(ses).not.toHaveReceivedCommand(SendRawEmailCommand);
    expect(sendItem(ann.email)).toBeUndefined();
    expect(sendItem(bob.email)).toBeUndefined();
  });

  it('still sends the current revision when the head is at the same revision', async () => {
    const result = await makeHandler()(sqsEvent(batchOf(ann)));
    expect(result.batchItemFailures).toEqual([]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 1);
  });

  it('retries an ambiguous SES answer and counts it on the send as a possible duplicate', async () => {
    let calls = 0;
    ses.on(SendRawEmailCommand).callsFake(async () => {
      calls += 1;
      if (calls === 1) {
        throw Object.assign(new Error('We encountered an internal error.'), {
          name: 'InternalFailure',
          $metadata: { httpStatusCode: 500 },
        });
      }
      return { MessageId: 'ses-ok' };
    });
    const result = await makeHandler()(sqsEvent(batchOf(ann)));
    expect(result.batchItemFailures).toEqual([]);
    expect(calls).toBe(2);
    expect(sendItem(ann.email)).toMatchObject({ status: 'sent', ambiguous: 1 });
  });

  it('keeps the claim (expired, counted) when SES keeps answering ambiguously, so the redelivery sends', async () => {
    ses.on(SendRawEmailCommand).rejects(
      Object.assign(new Error('Service unavailable'), {
        name: 'ServiceUnavailable',
        $metadata: { httpStatusCode: 503 },
      }),
    );
    const handler = makeHandler({ maxAttempts: 2 });
    const first = await handler(sqsEvent(batchOf(ann)));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(sendItem(ann.email)).toMatchObject({ status: 'sending', ambiguous: 2, leaseUntil: 0 });

    ses.on(SendRawEmailCommand).resolves({ MessageId: 'ses-later' });
    const second = await handler(sqsEvent(batchOf(ann)));
    expect(second.batchItemFailures).toEqual([]);
    expect(sendItem(ann.email)).toMatchObject({ status: 'sent', attempts: 2, ambiguous: 2 });
  });

  it('holds a correction back for a journalist whose earlier revision is still being sent', async () => {
    seedHead(ddb.table, { id: ID, revision: 2 });
    bucket.write(`rendered/${ID}/2/email.json`, JSON.stringify({ ...rendered, revision: 2 }));
    ddb.table.put({
      pk: statementPk(ID),
      sk: sentSk(1, ann.email),
      status: 'sending',
      email: ann.email.toLowerCase(),
      revision: 1,
      leaseUntil: clock.now().getTime() + 60_000,
    });
    const correction: SendBatch = {
      ...batchOf(ann, bob),
      revision: 2,
      type: 'corrected',
      emailKey: `rendered/${ID}/2/email.json`,
    };
    const result = await makeHandler()(sqsEvent(correction));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    const to = await Promise.all(rawMessages().map(async (raw) => (await simpleParser(raw)).to));
    expect(JSON.stringify(to)).toContain('bob@example.org');
    expect(JSON.stringify(to)).not.toContain('Ann@Example.org');
  });

  it('sends a kill notice to a holder who unsubscribed after receiving the statement', async () => {
    seedHead(ddb.table, { id: ID, revision: 2, status: 'withdraw' });
    bucket.write(`rendered/${ID}/2/email.json`, JSON.stringify({ ...rendered, revision: 2 }));
    ddb.table.put({ pk: suppressionPk(bob.email), sk: 'suppress', reason: 'unsubscribe' });
    const kill: SendBatch = {
      ...batchOf(bob),
      revision: 2,
      type: 'withdrawn',
      emailKey: `rendered/${ID}/2/email.json`,
    };
    await makeHandler()(sqsEvent(kill));
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 1);
  });

  it('tells ops once when the last batch of a revision is done, counting possible duplicates', async () => {
    // Prepare: dispatch enqueued two batches; one journalist gets an ambiguous SES answer.
    ddb.table.put({
      pk: statementPk(ID),
      sk: 'tally#0001',
      revision: 1,
      expectedBatches: 2,
      recipients: 3,
      dispatchSuppressed: 1,
    });
    let calls = 0;
    ses.on(SendRawEmailCommand).callsFake(async () => {
      calls += 1;
      if (calls === 1) {
        throw Object.assign(new Error('timeout'), { name: 'TimeoutError' });
      }
      return { MessageId: `ses-${calls}` };
    });
    const handler = makeHandler();

    // Act: the first batch, then a redelivery of it, then the second
    await handler(sqsEvent(batchOf(ann)));
    expect(ops.on('ops')).toEqual([]);
    await handler(sqsEvent(batchOf(ann)));
    await handler(sqsEvent({ ...batchOf(bob, { email: 'cat@example.org' }), batch: 2 }));
    await handler(sqsEvent({ ...batchOf(bob, { email: 'cat@example.org' }), batch: 2 }));

    // Assess: one report, after the last batch
    const reports = ops.on('ops');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.subject).toBe(`Herald: delivered ${ID} r1 to the press`);
    expect(reports[0]?.body).toContain('Emailed: 3');
    expect(reports[0]?.body).toContain(
      'Not emailed, suppressed (unsubscribed, bounced or complained): 1',
    );
    expect(reports[0]?.body).toMatch(/Possibly emailed twice .*: 1/);
    expect(reports[0]?.body).toContain('Lost: 0');
  });

  it('fails only the malformed record in a batch', async () => {
    const event = sqsEvent(batchOf(ann));
    const bad = { ...(event.Records[0] as SQSRecord), messageId: 'bad', body: '{"id": 1}' };
    event.Records.push(bad);
    const result = await makeHandler()(event);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(ses).toHaveReceivedCommandTimes(SendRawEmailCommand, 1);
  });
});

describe('send: the From header', () => {
  it('puts the rendered From name on the configured address; without one, the configured sender as it is', async () => {
    bucket.write(
      EMAIL_KEY,
      JSON.stringify({ ...rendered, fromName: 'Cyngor Sir Glanyrafon, "Gwasanaethau"' }),
      'application/json',
    );
    await makeHandler()(sqsEvent(batchOf(bob)));
    const [named] = rawMessages();
    const from = (await simpleParser(named ?? Buffer.alloc(0))).from?.value;
    expect(from).toEqual([
      { name: 'Cyngor Sir Glanyrafon, "Gwasanaethau"', address: 'press@example.org' },
    ]);

    ses.resetHistory();
    seedHead(ddb.table, { id: ID, revision: 2 });
    bucket.write(`rendered/${ID}/2/email.json`, JSON.stringify(rendered), 'application/json');
    await makeHandler()(
      sqsEvent({ ...batchOf(bob), revision: 2, emailKey: `rendered/${ID}/2/email.json` }),
    );
    const [plain] = rawMessages();
    expect((await simpleParser(plain ?? Buffer.alloc(0))).from?.value).toEqual([
      { name: 'Herald Press Office', address: 'press@example.org' },
    ]);
  });
});

describe('send: the email prepared by ingest (mime in email.json)', () => {
  const FROM = 'Herald Press Office <press@example.org>';
  const storedFor = (from: string, configurationSet?: string) =>
    storedMimeFor(rendered, {
      from,
      configurationSet,
      fixed: { baseBoundary: 'c'.repeat(16), messageId: '<x@example.org>' },
    });

  it('splices into what ingest prepared for its sender, and each journalist still gets their own link', async () => {
    bucket.write(
      EMAIL_KEY,
      JSON.stringify({ ...rendered, mime: storedFor(FROM, 'herald-events') }),
      'application/json',
    );
    await makeHandler()(sqsEvent(batchOf(ann, bob)));
    const raws = rawMessages();
    expect(raws).toHaveLength(2);
    for (const raw of raws) {
      // The stored boundary: nothing was prepared again.
      expect(raw.toString('latin1')).toContain(`--_NmP-${'c'.repeat(16)}-Part_1`);
      const parsed = await simpleParser(raw);
      const line = parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
      const url = /<(https:[^>]+)>/.exec(line)?.[1] ?? '';
      expect(parsed.text).toContain(url);
      expect(parsed.headers.get('x-ses-configuration-set')).toBe('herald-events');
    }
    expect((await simpleParser(raws[0] ?? Buffer.alloc(0))).text).toContain('Dear Ann Reporter,');
  });

  it('prepares the email itself when ingest prepared it for another sender', async () => {
    bucket.write(
      EMAIL_KEY,
      JSON.stringify({ ...rendered, mime: storedFor('Old <old@example.org>', 'herald-events') }),
      'application/json',
    );
    await makeHandler()(sqsEvent(batchOf(bob)));
    const [raw] = rawMessages();
    expect(raw?.toString('latin1')).not.toContain('c'.repeat(16));
    expect((await simpleParser(raw ?? Buffer.alloc(0))).from?.value).toEqual([
      { name: 'Herald Press Office', address: 'press@example.org' },
    ]);
  });

  it('drops a stored preparation that does not parse, and still sends', async () => {
    bucket.write(
      EMAIL_KEY,
      JSON.stringify({ ...rendered, mime: { sender: { from: FROM }, text: 'x' } }),
      'application/json',
    );
    const result = await makeHandler()(sqsEvent(batchOf(bob)));
    expect(result.batchItemFailures).toEqual([]);
    const [raw] = rawMessages();
    expect((await simpleParser(raw ?? Buffer.alloc(0))).text).toContain('Body');
    expect(sendItem(bob.email)).toMatchObject({ status: 'sent' });
  });
});

describe('classifySesError', () => {
  const err = (name: string, status?: number, message = name) =>
    Object.assign(new Error(message), {
      name,
      ...(status ? { $metadata: { httpStatusCode: status } } : {}),
    });

  it('tells answers that prove SES did not take the message from ones where it may have', () => {
    expect(classifySesError(err('Throttling', 400, 'Maximum sending rate exceeded.'))).toBe(
      'not-sent',
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifySesError(refused)).toBe('not-sent');
    expect(classifySesError(err('ServiceUnavailable', 503))).toBe('ambiguous');
    expect(classifySesError(err('InternalFailure', 500))).toBe('ambiguous');
    expect(classifySesError(err('TimeoutError'))).toBe('ambiguous');
    expect(classifySesError('socket hang up')).toBe('ambiguous');
    expect(classifySesError(err('MessageRejected', 400))).toBe('rejected');
    expect(classifySesError(err('MailFromDomainNotVerifiedException', 400))).toBe('fatal');
  });
});
