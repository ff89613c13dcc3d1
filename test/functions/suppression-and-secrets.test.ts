import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { describe, expect, it } from 'vitest';
import { suppressionPk } from '../../functions/shared/ledger/client';
import { claimSend, markSent, recipientsOf } from '../../functions/shared/ledger/sends';
import { suppress, suppressedAmong } from '../../functions/shared/ledger/suppression';
import { SecretUnavailableError, secretsManagerSource } from '../../functions/shared/secrets';
import { createFakeDynamo } from '../helpers/fake-dynamo';
import { TABLE } from '../helpers/herald-fakes';

const NOW = new Date('2024-02-21T09:00:00Z');

describe('suppression list', () => {
  it('finds suppressed addresses among hundreds, case-insensitively, in chunks of 100', async () => {
    const { client, table, mock } = createFakeDynamo();
    const ledger = { ddb: client, tableName: TABLE };
    table.put({ pk: suppressionPk('j7@example.org'), sk: 'suppress' });
    table.put({ pk: suppressionPk('j250@example.org'), sk: 'suppress' });
    const emails = Array.from({ length: 260 }, (_, i) =>
      i === 7 ? 'J7@Example.org' : `j${i}@example.org`,
    );
    const found = await suppressedAmong(ledger, [...emails, 'j7@example.org']);
    expect([...found].sort()).toEqual(['j250@example.org', 'j7@example.org']);
    expect(mock).toHaveReceivedCommandTimes(BatchGetCommand, 3);
  });

  it('retries keys DynamoDB left unprocessed', async () => {
    const { client, mock } = createFakeDynamo();
    mock
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [] },
        UnprocessedKeys: { [TABLE]: { Keys: [{ pk: suppressionPk('a@x.org'), sk: 'suppress' }] } },
      })
      .resolvesOnce({ Responses: { [TABLE]: [{ pk: suppressionPk('a@x.org') }] } });
    const waits: number[] = [];
    const found = await suppressedAmong({ ddb: client, tableName: TABLE }, ['a@x.org'], {
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(found).toEqual(new Set(['a@x.org']));
    expect(waits).toHaveLength(1);
  });

  it('keeps the first suppression and reports a repeat as already suppressed', async () => {
    const { client, table } = createFakeDynamo();
    const ledger = { ddb: client, tableName: TABLE };
    expect(
      await suppress(ledger, 'Ann@Example.org', {
        reason: 'unsubscribe',
        source: 'page',
        now: NOW,
      }),
    ).toBe('suppressed');
    expect(
      await suppress(ledger, 'ann@example.org', { reason: 'complaint', source: 'ses', now: NOW }),
    ).toBe('already-suppressed');
    expect(table.get(suppressionPk('ann@example.org'), 'suppress')).toMatchObject({
      reason: 'unsubscribe',
    });
  });
});

describe('send ledger', () => {
  it('lists everyone sent any revision once, lower-case, counting claims still in flight', async () => {
    const { client } = createFakeDynamo();
    const ledger = { ddb: client, tableName: TABLE };
    const claim = (revision: number, email: string) =>
      claimSend(ledger, { id: 'stmt-one', revision, email, now: NOW, leaseMs: 1000 });
    expect(await claim(1, 'Ann@Example.org')).toBe('claimed');
    expect(await claim(1, 'ann@example.org')).toBe('in-progress');
    await markSent(ledger, {
      id: 'stmt-one',
      revision: 1,
      email: 'Ann@Example.org',
      sesMessageId: 'm1',
      now: NOW,
    });
    await claim(2, 'ann@example.org');
    await markSent(ledger, {
      id: 'stmt-one',
      revision: 2,
      email: 'ann@example.org',
      sesMessageId: 'm2',
      now: NOW,
    });
    await claim(2, 'pending@example.org');
    expect(await claim(1, 'ann@example.org')).toBe('already-sent');
    // pending@ may already have the statement (SES accepted, `sent` not yet written).
    expect((await recipientsOf(ledger, 'stmt-one')).sort()).toEqual([
      'ann@example.org',
      'pending@example.org',
    ]);
  });
});

describe('secretsManagerSource', () => {
  it('caches the secret for its TTL, shares one request, and re-reads after it', async () => {
    const sm = new SecretsManagerClient({
      region: 'eu-west-2',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    const mock = mockClient(sm);
    mock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'one' })
      .resolves({ SecretString: 'two' });
    let now = 0;
    const source = secretsManagerSource(sm, 'arn:secret', { ttlMs: 1000, now: () => now });
    expect(await Promise.all([source.get(), source.get()])).toEqual(['one', 'one']);
    now = 999;
    expect(await source.get()).toBe('one');
    now = 1000;
    expect(await source.get()).toBe('two');
    expect(mock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('keeps serving the cached value when a refresh fails, and throws a named error when there is none', async () => {
    const sm = new SecretsManagerClient({
      region: 'eu-west-2',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    const mock = mockClient(sm);
    mock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'one' })
      .rejects(new Error('outage'));
    let now = 0;
    const source = secretsManagerSource(sm, 'arn:secret', { ttlMs: 10, now: () => now });
    expect(await source.get()).toBe('one');
    now = 100;
    expect(await source.get()).toBe('one');
    const fresh = secretsManagerSource(sm, 'arn:other');
    await expect(fresh.get()).rejects.toBeInstanceOf(SecretUnavailableError);
  });
});
