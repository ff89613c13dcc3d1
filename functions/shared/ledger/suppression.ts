/**
 * The suppression list (`suppress#<email lower-case>` / `suppress`): addresses
 * that unsubscribed, hard-bounced or complained. `dispatch` filters them out
 * when it builds batches and `send` checks again just before each message, so
 * an unsubscribe that lands mid-send still counts.
 */
import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { HeraldError } from '../../../core/errors';
import { isConditionalCheckFailed, type Ledger, SUPPRESSION_SK, suppressionPk } from './client';

export type SuppressionReason = 'unsubscribe' | 'bounce' | 'complaint';

export class SuppressionLookupError extends HeraldError {
  override name = 'SuppressionLookupError';
}

/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_LIMIT = 100;
const MAX_BATCH_GET_ATTEMPTS = 6;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Adds an address. Idempotent: the first record (its reason and time) is kept
 * and a repeat reports `already-suppressed`.
 */
export async function suppress(
  ledger: Ledger,
  email: string,
  entry: { reason: SuppressionReason; source: string; now: Date },
): Promise<'suppressed' | 'already-suppressed'> {
  const address = email.trim().toLowerCase();
  try {
    await ledger.ddb.send(
      new PutCommand({
        TableName: ledger.tableName,
        Item: {
          pk: suppressionPk(address),
          sk: SUPPRESSION_SK,
          email: address,
          reason: entry.reason,
          source: entry.source.slice(0, 500),
          suppressedAt: entry.now.toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return 'suppressed';
  } catch (err) {
    if (isConditionalCheckFailed(err)) return 'already-suppressed';
    throw err;
  }
}

export async function isSuppressed(ledger: Ledger, email: string): Promise<boolean> {
  const out = await ledger.ddb.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: { pk: suppressionPk(email.trim()), sk: SUPPRESSION_SK },
      ProjectionExpression: 'pk',
    }),
  );
  return out.Item !== undefined;
}

/**
 * The suppressed addresses among `emails`, lower-case. BatchGet in chunks of
 * 100 (duplicate keys are not allowed in one request, so addresses are
 * de-duplicated first); UnprocessedKeys are retried with backoff.
 */
export async function suppressedAmong(
  ledger: Ledger,
  emails: readonly string[],
  options: {
    sleep?: (ms: number) => Promise<void>;
    /**
     * Suppressions that do not apply. A kill notice ignores `unsubscribe`: a journalist
     * who unsubscribed still holds the text and must be told not to publish it.
     */
    ignore?: readonly SuppressionReason[];
  } = {},
): Promise<Set<string>> {
  const sleep = options.sleep ?? defaultSleep;
  const addresses = [...new Set(emails.map((e) => e.trim().toLowerCase()))].filter((e) => e !== '');
  const found = new Set<string>();
  for (let i = 0; i < addresses.length; i += BATCH_GET_LIMIT) {
    let keys: Record<string, unknown>[] = addresses
      .slice(i, i + BATCH_GET_LIMIT)
      .map((e) => ({ pk: suppressionPk(e), sk: SUPPRESSION_SK }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt >= MAX_BATCH_GET_ATTEMPTS) {
        throw new SuppressionLookupError(
          `DynamoDB left ${keys.length} suppression lookups unprocessed after ${attempt} attempts.`,
        );
      }
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const out = await ledger.ddb.send(
        new BatchGetCommand({
          RequestItems: {
            [ledger.tableName]: {
              Keys: keys,
              ProjectionExpression: 'pk, reason',
            },
          },
        }),
      );
      for (const item of out.Responses?.[ledger.tableName] ?? []) {
        const ignored =
          typeof item.reason === 'string' &&
          (options.ignore ?? []).some((reason) => reason === item.reason);
        if (typeof item.pk === 'string' && !ignored) found.add(item.pk.slice('suppress#'.length));
      }
      keys = out.UnprocessedKeys?.[ledger.tableName]?.Keys ?? [];
    }
  }
  return found;
}
