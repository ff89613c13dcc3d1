/**
 * Every claim and lock a handler takes lasts until its invocation is certainly
 * dead: the Lambda context's remaining time plus a margin. Too short, and a
 * redelivery could act alongside a live invocation; too long, and a crashed
 * one holds up the retry.
 */
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createDispatchHandler } from '../../functions/dispatch/handler';
import { createSendHandler } from '../../functions/send/handler';
import { LEASE_MARGIN_MS } from '../../functions/shared/invocation';
import { createLogger } from '../../functions/shared/logger';
import { staticSecret } from '../../functions/shared/secrets';
import { createWebsiteHookHandler } from '../../functions/website-hook/handler';
import { createFakeDynamo } from '../helpers/fake-dynamo';
import { BUCKET, FakeBucket, RecordingPublisher, TABLE, TestClock } from '../helpers/herald-fakes';
import { lambdaContext } from '../helpers/lambda-context';
import { seedHead } from '../helpers/ledger';

const ID = 'bscp-2024-02-scr';
const NOW = new Date('2024-02-21T09:00:00Z');
const REMAINING = 42_000;
const silent = createLogger({ logLevel: 'SILENT' });
const sqs = (body: unknown) =>
  ({
    Records: [{ messageId: 'm-1', body: JSON.stringify(body) }],
  }) as Parameters<ReturnType<typeof createDispatchHandler>>[0];

describe('leases come from the Lambda context', () => {
  it('send claims each journalist until the invocation is certainly over', async () => {
    const dynamo = createFakeDynamo();
    const bucket = new FakeBucket();
    seedHead(dynamo.table, { id: ID, revision: 1 });
    // The rendered email cannot be read: the claim is never made, so look at a claim that is.
    dynamo.table.failWhen(
      'Update',
      () => false,
      () => new Error('unused'),
    );
    const leases: number[] = [];
    dynamo.table.gate = async (command, input) => {
      const item = input.Item as { leaseUntil?: number; status?: string } | undefined;
      if (command === 'Put' && item?.status === 'sending' && item.leaseUntil) {
        leases.push(item.leaseUntil);
      }
    };
    bucket.write(
      `rendered/${ID}/1/email.json`,
      JSON.stringify({
        statementId: ID,
        revision: 1,
        language: 'en-GB',
        subject: 'S',
        html: { parts: ['<p>x</p>'], slots: [] },
        text: { parts: ['x'], slots: [] },
        replyTo: null,
      }),
    );
    const ses = new SESClient({
      region: 'eu-west-2',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    mockClient(ses).on(SendRawEmailCommand).resolves({ MessageId: 'ses-1' });
    const send = createSendHandler({
      s3: bucket.client,
      ses,
      ddb: dynamo.client,
      logger: silent,
      clock: new TestClock(NOW).now,
      sleep: async () => undefined,
      unsubscribeSecret: staticSecret('s'),
      publisher: new RecordingPublisher(),
      settings: {
        bucket: BUCKET,
        tableName: TABLE,
        from: 'Press <press@example.org>',
        unsubscribeBaseUrl: 'https://u.example.org/',
        ratePerSecond: 100,
      },
    });
    await send(
      sqs({
        id: ID,
        revision: 1,
        type: 'published',
        batch: 1,
        emailKey: `rendered/${ID}/1/email.json`,
        recipients: [{ email: 'ann@example.org' }],
      }),
      lambdaContext(REMAINING),
    );
    expect(leases).toEqual([NOW.getTime() + REMAINING + LEASE_MARGIN_MS]);
  });

  it('dispatch claims its ops report, and website-hook its lock, for the same span', async () => {
    const dynamo = createFakeDynamo();
    const bucket = new FakeBucket();
    seedHead(dynamo.table, { id: ID, revision: 1, releasedRevision: 1 });
    const seen: Array<{ sk: string; lease: unknown }> = [];
    dynamo.table.gate = async (command, input) => {
      const item = input.Item as { sk?: string; leaseUntil?: unknown } | undefined;
      if (command === 'Put' && item?.leaseUntil)
        seen.push({ sk: String(item.sk), lease: item.leaseUntil });
      const values = input.ExpressionAttributeValues as { ':until'?: number } | undefined;
      if (command === 'Update' && values?.[':until']) {
        seen.push({ sk: String((input.Key as { sk: string }).sk), lease: values[':until'] });
      }
    };
    bucket.write('lists/press.csv', 'email,name,outlet,topics\nbad-row,B,P,\n');
    const dispatch = createDispatchHandler({
      s3: bucket.client,
      ddb: dynamo.client,
      queue: { sendBatch: async () => undefined },
      publisher: new RecordingPublisher(),
      logger: silent,
      clock: new TestClock(NOW).now,
      settings: { bucket: BUCKET, tableName: TABLE, pressListKey: 'lists/press.csv' },
    });
    await dispatch(
      sqs({
        id: ID,
        revision: 1,
        type: 'published',
        emailKey: `rendered/${ID}/1/email.json`,
        topics: [],
        holders: false,
      }),
      lambdaContext(REMAINING),
    );
    const hook = createWebsiteHookHandler({
      ddb: dynamo.client,
      fetch: async () => new Response(null, { status: 204 }),
      logger: silent,
      clock: new TestClock(NOW).now,
      webhookSecret: staticSecret('w'),
      settings: { tableName: TABLE, hookUrl: 'https://www.example.org/hook' },
    });
    await hook(
      sqs({
        type: 'statement.released',
        id: ID,
        revision: 1,
        headline: 'H',
        publishedPrefix: `published/${ID}/1/`,
        releasedAt: NOW.toISOString(),
      }),
      lambdaContext(REMAINING),
    );
    const deadline = NOW.getTime() + REMAINING + LEASE_MARGIN_MS;
    expect(seen).toContainEqual({
      sk: 'fx#0001#press-list-report',
      lease: new Date(deadline).toISOString(),
    });
    expect(seen).toContainEqual({ sk: 'site', lease: deadline });
  });
});
