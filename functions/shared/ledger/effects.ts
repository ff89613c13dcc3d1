/**
 * Side-effect markers: claim (`pending`) → do it → `done`. See the
 * "At-least-once windows" notes in ./client.ts for what this does and does not
 * guarantee.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { EffectInProgressError, LedgerItemError } from '../errors';
import '../zod-mini';
import type { Logger } from '../logger';
import {
  effectSk,
  isConditionalCheckFailed,
  type Ledger,
  type LedgerKey,
  queryItems,
  statementPk,
} from './client';

export type EffectStatus = 'pending' | 'done';

export interface EffectItem extends LedgerKey {
  effect: string;
  revision?: number;
  status: EffectStatus;
  token: string;
  claimedAt: string;
  /** After this instant a `pending` claim is presumed dead and may be redone. */
  leaseUntil: string;
  doneAt?: string;
  /** What the effect did, for people reading the ledger (message id, schedule name…). */
  detail?: Record<string, string | number | boolean>;
}

const effectItemSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  effect: z.string(),
  revision: z.optional(z.number()),
  status: z.enum(['pending', 'done']),
  token: z.string(),
  claimedAt: z.string(),
  leaseUntil: z.string(),
  doneAt: z.optional(z.string()),
  detail: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
});

/** Parses a marker item as this module writes it. */
export function parseEffectItem(item: Record<string, unknown>): EffectItem {
  const result = effectItemSchema.safeParse(item);
  if (!result.success) throw LedgerItemError.from('side-effect marker', item, result.error.issues);
  const { revision, doneAt, detail, ...rest } = result.data;
  return {
    ...rest,
    ...(revision === undefined ? {} : { revision }),
    ...(doneAt === undefined ? {} : { doneAt }),
    ...(detail === undefined ? {} : { detail }),
  };
}

export interface EffectRunner {
  ledger: Ledger;
  clock: () => Date;
  /** When this invocation's claims lapse: the Lambda deadline, so a live invocation is never overtaken. */
  leaseUntil: () => Date;
  logger: Logger;
  /** This invocation's identity as a lock holder. */
  owner: string;
  sleep: (ms: number) => Promise<void>;
}

export interface EffectSpec extends LedgerKey {
  effect: string;
  revision?: number;
}

export type EffectRun = 'ran' | 'already-done';

/** The marker of one side effect of a statement revision (`stmt#<id>` / `fx#<rev>#<name>`). */
export function revisionMarker(id: string, revision: number, name: string): EffectSpec {
  return { pk: statementPk(id), sk: effectSk(revision, name), effect: name, revision };
}

/**
 * Runs `work` unless the marker says it is done. `work` may return details to
 * store on the marker. Throws EffectInProgressError while another invocation's
 * claim is live.
 */
export async function runEffect(
  runner: EffectRunner,
  spec: EffectSpec,
  work: () => Promise<EffectItem['detail'] | undefined>,
): Promise<EffectRun> {
  const { ledger, logger } = runner;
  const token = randomUUID();
  const claimed = await claim(runner, spec, token);
  if (claimed !== 'claimed') return claimed;

  let detail: EffectItem['detail'] | undefined;
  try {
    detail = await work();
  } catch (err) {
    // Release the claim so a retry need not wait for the lease to lapse.
    try {
      await ledger.ddb.send(
        new DeleteCommand({
          TableName: ledger.tableName,
          Key: { pk: spec.pk, sk: spec.sk },
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
    } catch (releaseErr) {
      logger.warn('Could not release a side-effect claim; it lapses with its lease', {
        effect: spec.effect,
        error: releaseErr,
      });
    }
    throw err;
  }

  try {
    await ledger.ddb.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: { pk: spec.pk, sk: spec.sk },
        UpdateExpression: 'SET #status = :done, doneAt = :now, detail = :detail',
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
        ExpressionAttributeValues: {
          ':done': 'done',
          ':now': runner.clock().toISOString(),
          ':detail': detail ?? {},
          ':token': token,
        },
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    // Our lease lapsed and another invocation took over: it will mark it done.
    logger.warn('A side effect was taken over after its lease lapsed; it may have happened twice', {
      effect: spec.effect,
      pk: spec.pk,
      sk: spec.sk,
    });
  }
  return 'ran';
}

async function claim(
  runner: EffectRunner,
  spec: EffectSpec,
  token: string,
): Promise<'claimed' | 'already-done'> {
  const { ledger, logger } = runner;
  const now = runner.clock().toISOString();
  const item: EffectItem = {
    pk: spec.pk,
    sk: spec.sk,
    effect: spec.effect,
    ...(spec.revision === undefined ? {} : { revision: spec.revision }),
    status: 'pending',
    token,
    claimedAt: now,
    leaseUntil: runner.leaseUntil().toISOString(),
  };
  // Two rounds: the other claim may be released between our put and our get.
  for (let round = 0; round < 2; round++) {
    try {
      const result = await ledger.ddb.send(
        new PutCommand({
          TableName: ledger.tableName,
          Item: item,
          ConditionExpression:
            'attribute_not_exists(pk) OR (#status = :pending AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':now': now },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (result.Attributes) {
        logger.warn('Redoing a side effect whose earlier attempt did not finish (lease lapsed)', {
          effect: spec.effect,
          claimedAt: result.Attributes.claimedAt,
        });
      }
      return 'claimed';
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const existing = await getEffect(ledger, spec);
    if (existing?.status === 'done') return 'already-done';
    if (existing?.status === 'pending') {
      throw new EffectInProgressError(spec.pk, spec.sk, existing.leaseUntil);
    }
  }
  throw new EffectInProgressError(spec.pk, spec.sk, now);
}

export async function getEffect(ledger: Ledger, key: LedgerKey): Promise<EffectItem | undefined> {
  const result = await ledger.ddb.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: { pk: key.pk, sk: key.sk },
      ConsistentRead: true,
    }),
  );
  return result.Item ? parseEffectItem(result.Item) : undefined;
}

/** Every marker under `pk` whose sort key starts with `prefix` (e.g. `fx#`). */
export async function queryEffects(
  ledger: Ledger,
  pk: string,
  prefix = 'fx#',
): Promise<EffectItem[]> {
  const items: EffectItem[] = [];
  const query = {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
  };
  for await (const item of queryItems(ledger, query)) items.push(parseEffectItem(item));
  return items;
}
