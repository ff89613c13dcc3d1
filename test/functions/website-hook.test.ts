import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../core/security/webhook-signature';
import { effectSk, statementPk } from '../../functions/shared/ledger/client';
import { createLogger } from '../../functions/shared/logger';
import type { WebsiteRelease } from '../../functions/shared/messages';
import { staticSecret } from '../../functions/shared/secrets';
import { createWebsiteHookHandler } from '../../functions/website-hook/handler';
import { createFakeDynamo, type FakeDynamo } from '../helpers/fake-dynamo';
import { TABLE, TestClock } from '../helpers/herald-fakes';

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

const sqsEvent = (...releases: WebsiteRelease[]): SQSEvent => ({
  Records: releases.map(
    (r, i) => ({ messageId: `msg-${i}`, body: JSON.stringify(r) }) as SQSRecord,
  ),
});

beforeEach(() => {
  ddb = createFakeDynamo();
  clock = new TestClock(new Date('2024-02-21T00:01:05Z'));
  requests = [];
  responses = [];
});

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
    expect(request.headers.get('x-herald-delivery')).toBe('bscp-2024-02-scr#1');
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
    expect(ddb.table.get(statementPk(release.id), effectSk(1, 'website-hook'))).toMatchObject({
      status: 'done',
    });
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

  it('POSTs each revision separately', async () => {
    await makeHandler()(
      sqsEvent(release, {
        ...release,
        revision: 2,
        publishedPrefix: 'published/bscp-2024-02-scr/2/',
      }),
    );
    expect(requests.map((r) => r.headers.get('x-herald-delivery'))).toEqual([
      'bscp-2024-02-scr#1',
      'bscp-2024-02-scr#2',
    ]);
  });

  it('does not POST a queued release once the statement has been withdrawn', async () => {
    // Prepare: the site was down; the release is redelivered after a withdrawal landed.
    responses = [503];
    const handler = makeHandler();
    const first = await handler(sqsEvent(release));
    ddb.table.put({
      pk: statementPk(release.id),
      sk: 'head',
      id: release.id,
      latestRevision: 2,
      status: 'withdraw',
    });

    // Act
    const retry = await handler(sqsEvent(release));

    // Assess: one failed attempt, then no POST at all; the record is acknowledged
    expect(first.batchItemFailures).toHaveLength(1);
    expect(retry.batchItemFailures).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(ddb.table.get(statementPk(release.id), effectSk(1, 'website-hook'))).toMatchObject({
      status: 'done',
      detail: { skipped: 'withdrawn' },
    });
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
