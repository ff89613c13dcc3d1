import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../core/security/webhook-signature';
import { statementPk } from '../../functions/shared/ledger/client';
import { SITE_SK } from '../../functions/shared/ledger/site';
import { createLogger } from '../../functions/shared/logger';
import type { WebsiteMessage, WebsiteRelease } from '../../functions/shared/messages';
import { staticSecret } from '../../functions/shared/secrets';
import { createWebsiteHookHandler } from '../../functions/website-hook/handler';
import { createFakeDynamo, type FakeDynamo } from '../helpers/fake-dynamo';
import { TABLE, TestClock } from '../helpers/herald-fakes';
import { seedHead } from '../helpers/ledger';

const SECRET = 'webhook-secret';
const HOOK = 'https://www.example.org/hooks/build';

const release: WebsiteRelease = {
  type: 'statement.released',
  id: 'bscp-2024-02-scr',
  revision: 1,
  headline: 'Publication of a Serious Case Review — “quoted”',
  publishedPrefix: 'published/bscp-2024-02-scr/1/',
  releasedAt: '2024-02-21T00:01:00.000Z',
};

interface Captured {
  url: string;
  method: string;
  headers: Headers;
  body: Uint8Array;
}

let ddb: FakeDynamo;
let clock: TestClock;
let requests: Captured[];
let responses: Array<number | Error>;

/** A fetch that records exactly what would go on the wire. */
const fakeFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  requests.push({
    url: request.url,
    method: request.method,
    headers: request.headers,
    body: new Uint8Array(await request.arrayBuffer()),
  });
  const next = responses.shift() ?? 200;
  if (next instanceof Error) throw next;
  return new Response(next === 204 ? null : 'ok', { status: next });
};

function makeHandler(hookUrl: string | null = HOOK) {
  return createWebsiteHookHandler({
    ddb: ddb.client,
    fetch: fakeFetch,
    logger: createLogger({ logLevel: 'SILENT' }),
    clock: clock.now,
    webhookSecret: staticSecret(SECRET),
    settings: { tableName: TABLE, ...(hookUrl === null ? {} : { hookUrl }) },
  });
}

const sqsEvent = (...releases: WebsiteMessage[]): SQSEvent => ({
  Records: releases.map(
    (r, i) => ({ messageId: `msg-${i}`, body: JSON.stringify(r) }) as SQSRecord,
  ),
});

beforeEach(() => {
  ddb = createFakeDynamo();
  clock = new TestClock(new Date('2024-02-21T00:01:05Z'));
  requests = [];
  responses = [];
  seedHead(ddb.table, { id: release.id, revision: 1, releasedRevision: 1 });
});

const site = () => ddb.table.get(statementPk(release.id), SITE_SK);

describe('website hook', () => {
  it('POSTs the release JSON with a signature that verifies over the exact body bytes', async () => {
    const result = await makeHandler()(sqsEvent(release));
    expect(result.batchItemFailures).toEqual([]);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    if (!request) throw new Error('no request');
    expect(request.url).toBe(HOOK);
    expect(request.method).toBe('POST');
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.headers.get('x-herald-delivery')).toBe('bscp-2024-02-scr#1#statement.released');
    const timestamp = request.headers.get('x-herald-timestamp');
    expect(timestamp).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    expect(
      verifyWebhook({
        body: request.body,
        secret: SECRET,
        timestamp,
        signature: request.headers.get('x-herald-signature'),
        now: Math.floor(clock.now().getTime() / 1000),
      }),
    ).toEqual({ ok: true });
    expect(JSON.parse(Buffer.from(request.body).toString('utf8'))).toEqual(release);
  });

  it('fails the record on a 500 so SQS retries, and delivers on the retry', async () => {
    responses = [500];
    const handler = makeHandler();
    const first = await handler(sqsEvent(release));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    const second = await handler(sqsEvent(release));
    expect(second.batchItemFailures).toEqual([]);
    expect(requests).toHaveLength(2);
    expect(site()).toMatchObject({ lastPostedRevision: 1, lastPostedType: 'statement.released' });
  });

  it('fails the record on a network error or timeout', async () => {
    responses = [new TypeError('fetch failed')];
    const result = await makeHandler()(sqsEvent(release));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
  });

  it('POSTs once for a redelivered release', async () => {
    const handler = makeHandler();
    await handler(sqsEvent(release));
    const again = await handler(sqsEvent(release));
    expect(again.batchItemFailures).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('never takes the site back a revision: a late release of r1 after r2 is dropped', async () => {
    seedHead(ddb.table, { id: release.id, revision: 2, releasedRevision: 2 });
    const second: WebsiteRelease = {
      ...release,
      revision: 2,
      publishedPrefix: 'published/bscp-2024-02-scr/2/',
    };
    const handler = makeHandler();
    await handler(sqsEvent(second));
    const late = await handler(sqsEvent(release));
    expect(late.batchItemFailures).toEqual([]);
    expect(requests.map((r) => r.headers.get('x-herald-delivery'))).toEqual([
      'bscp-2024-02-scr#2#statement.released',
    ]);
    expect(site()).toMatchObject({ lastPostedRevision: 2 });
  });

  it('drops a redriven old release even when the site was told nothing newer yet', async () => {
    // r2 is in force (a correction released); its own hook has not run yet.
    seedHead(ddb.table, { id: release.id, revision: 2, releasedRevision: 2 });
    await makeHandler()(sqsEvent(release));
    expect(requests).toEqual([]);
  });

  it('does not POST a queued release once the statement has been withdrawn', async () => {
    // Prepare: the site was down; the release is redelivered after a withdrawal landed.
    responses = [503];
    const handler = makeHandler();
    const first = await handler(sqsEvent(release));
    seedHead(ddb.table, { id: release.id, revision: 2, status: 'withdraw', releasedRevision: 1 });

    // Act
    const retry = await handler(sqsEvent(release));

    // Assess: one failed attempt, then no POST at all; the record is acknowledged
    expect(first.batchItemFailures).toHaveLength(1);
    expect(retry.batchItemFailures).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(site()?.lastPostedRevision).toBeUndefined();
  });

  it('tells the website to take a withdrawn statement down, signed like a release', async () => {
    seedHead(ddb.table, { id: release.id, revision: 2, status: 'withdraw', releasedRevision: 1 });
    const withdrawal: WebsiteMessage = {
      type: 'statement.withdrawn',
      id: release.id,
      revision: 2,
      reference: 'BSCB 2018-19/01',
      withdrawalReason: 'Issued in error.',
      withdrawnAt: '2024-02-21T09:00:00.000Z',
    };
    const handler = makeHandler();
    await handler(sqsEvent(release, withdrawal));
    await handler(sqsEvent(release));
    expect(requests.map((r) => r.headers.get('x-herald-delivery'))).toEqual([
      'bscp-2024-02-scr#2#statement.withdrawn',
    ]);
    const [request] = requests;
    expect(JSON.parse(Buffer.from(request?.body ?? new Uint8Array()).toString('utf8'))).toEqual(
      withdrawal,
    );
    expect(site()).toMatchObject({ lastPostedRevision: 2, lastPostedType: 'statement.withdrawn' });
  });

  it('acknowledges releases without calling anything when no hook is configured', async () => {
    const result = await makeHandler(null)(sqsEvent(release));
    expect(result.batchItemFailures).toEqual([]);
    expect(requests).toHaveLength(0);
  });

  it('fails a malformed release message', async () => {
    const event: SQSEvent = {
      Records: [{ messageId: 'bad', body: '{"type":"other"}' } as SQSRecord],
    };
    const result = await makeHandler()(event);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(requests).toHaveLength(0);
  });
});
