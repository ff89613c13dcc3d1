import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../core/security/unsubscribe-token';
import { createLogger } from '../../functions/shared/logger';
import { staticSecret } from '../../functions/shared/secrets';
import { createUnsubscribeHandler } from '../../functions/unsubscribe/handler';

const SECRET = 'unsubscribe-secret';
const NOW = new Date('2024-02-21T09:00:00Z');
const ddbMock = mockClient(DynamoDBDocumentClient);

function makeHandler() {
  return createUnsubscribeHandler({
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' })),
    logger: createLogger({ logLevel: 'SILENT' }),
    clock: () => NOW,
    unsubscribeSecret: staticSecret(SECRET),
    settings: { tableName: 'ledger' },
  });
}

function urlEvent(
  method: string,
  query: Record<string, string> = {},
  body?: { text: string; base64?: boolean; contentType?: string },
): LambdaFunctionURLEvent {
  const rawQueryString = new URLSearchParams(query).toString();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString,
    headers: {
      host: 'abc.lambda-url.eu-west-2.on.aws',
      ...(body ? { 'content-type': body.contentType ?? 'application/x-www-form-urlencoded' } : {}),
    },
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc',
      domainName: 'abc.lambda-url.eu-west-2.on.aws',
      domainPrefix: 'abc',
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '21/Feb/2024:09:00:00 +0000',
      timeEpoch: NOW.getTime(),
    },
    isBase64Encoded: body?.base64 ?? false,
    ...(body ? { body: body.base64 ? Buffer.from(body.text).toString('base64') : body.text } : {}),
  };
}

function asResponse(result: LambdaFunctionURLResult) {
  if (typeof result === 'string') throw new Error('expected a structured response');
  return { status: result.statusCode, headers: result.headers ?? {}, body: result.body ?? '' };
}

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(PutCommand).resolves({});
});

describe('unsubscribe function URL', () => {
  it('shows a confirmation page on GET without unsubscribing, with the address masked and escaped', async () => {
    const email = 'a<script>@example.org';
    const token = createUnsubscribeToken(email, SECRET);
    const res = asResponse(await makeHandler()(urlEvent('GET', { t: token })));
    expect(res.status).toBe(200);
    expect(res.body).toContain('<html lang="en-GB">');
    expect(res.body).toContain('a…@example.org');
    expect(res.body).not.toContain('<script>');
    expect(res.body).toMatch(/<form method="post" action="\?t=[^"]+">/);
    expect(res.body).toContain('<button type="submit">Unsubscribe</button>');
    expect(ddbMock).not.toHaveReceivedCommand(PutCommand);
  });

  it('sends strict security headers on every page', async () => {
    const res = asResponse(await makeHandler()(urlEvent('GET', { t: 'forged' })));
    expect(res.headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    expect(String(res.headers['Content-Security-Policy'])).toMatch(/default-src 'none'/);
    expect(String(res.headers['Content-Security-Policy'])).not.toMatch(/unsafe-inline/);
  });

  it('suppresses the address at once on an RFC 8058 one-click POST', async () => {
    const token = createUnsubscribeToken('Ann@Example.org', SECRET);
    const res = asResponse(
      await makeHandler()(urlEvent('POST', { t: token }, { text: 'List-Unsubscribe=One-Click' })),
    );
    expect(res.status).toBe(200);
    expect(res.body).toContain('You have been unsubscribed');
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'ledger',
      Item: expect.objectContaining({
        pk: 'suppress#ann@example.org',
        sk: 'suppress',
        reason: 'unsubscribe',
        source: 'one-click (RFC 8058)',
        suppressedAt: NOW.toISOString(),
      }),
    });
  });

  it('accepts a base64-encoded body, as Function URLs deliver it', async () => {
    const token = createUnsubscribeToken('ann@example.org', SECRET);
    const res = asResponse(
      await makeHandler()(
        urlEvent('POST', { t: token }, { text: 'List-Unsubscribe=One-Click', base64: true }),
      ),
    );
    expect(res.status).toBe(200);
    expect(ddbMock).toHaveReceivedCommandTimes(PutCommand, 1);
  });

  it('accepts the confirmation page form post, token in the body', async () => {
    const token = createUnsubscribeToken('ann@example.org', SECRET);
    const body = new URLSearchParams({
      t: token,
      'List-Unsubscribe': 'One-Click',
      via: 'page',
    }).toString();
    const res = asResponse(await makeHandler()(urlEvent('POST', {}, { text: body })));
    expect(res.status).toBe(200);
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ source: 'unsubscribe page' }),
    });
  });

  it('answers a repeat unsubscribe with the same page (idempotent)', async () => {
    ddbMock
      .on(PutCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
    const token = createUnsubscribeToken('ann@example.org', SECRET);
    const res = asResponse(
      await makeHandler()(urlEvent('POST', { t: token }, { text: 'List-Unsubscribe=One-Click' })),
    );
    expect(res.status).toBe(200);
  });

  it('answers a forged or missing token with a 400 page, not an exception', async () => {
    const forged = createUnsubscribeToken('ann@example.org', 'someone-elses-secret');
    for (const event of [
      urlEvent('POST', { t: forged }, { text: 'List-Unsubscribe=One-Click' }),
      urlEvent('GET', {}),
      urlEvent('GET', { t: 'v1.%%%.x' }),
    ]) {
      const res = asResponse(await makeHandler()(event));
      expect(res.status).toBe(400);
      expect(res.body).toContain('not valid');
    }
    expect(ddbMock).not.toHaveReceivedCommand(PutCommand);
  });

  it('refuses other methods with 405', async () => {
    const res = asResponse(await makeHandler()(urlEvent('DELETE', { t: 'x' })));
    expect(res.status).toBe(405);
    expect(res.headers.Allow).toBe('GET, POST');
  });

  it('shows a retry page when the ledger write fails', async () => {
    ddbMock.on(PutCommand).rejects(new Error('DynamoDB is down'));
    const token = createUnsubscribeToken('ann@example.org', SECRET);
    const res = asResponse(
      await makeHandler()(urlEvent('POST', { t: token }, { text: 'List-Unsubscribe=One-Click' })),
    );
    expect(res.status).toBe(503);
  });
});
