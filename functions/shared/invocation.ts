/**
 * Per-invocation plumbing: how long this invocation's ledger claims and locks
 * last, and who holds them.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EffectRunner } from './ledger/effects';
import type { LockOptions } from './ledger/lock';
import type { Logger } from './logger';

/** The part of the Lambda context we use (the local stack passes nothing). */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/** Claims outlive the invocation by this much, covering clock skew between Lambda hosts. */
export const LEASE_MARGIN_MS = 5_000;

/** Without a Lambda context (local stack), claims last this long. */
export const DEFAULT_LEASE_MS = 120_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function effectRunner(options: {
  ddb: DynamoDBDocumentClient;
  tableName: string;
  clock: () => Date;
  logger: Logger;
  context?: InvocationContext | undefined;
  defaultLeaseMs?: number | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}): EffectRunner {
  const start = options.clock().getTime();
  // A claim lasts until this invocation is certainly dead (its timeout), so a
  // retry never redoes work a live invocation is still doing.
  const remaining =
    options.context?.getRemainingTimeInMillis() ?? options.defaultLeaseMs ?? DEFAULT_LEASE_MS;
  const deadline = new Date(start + remaining + LEASE_MARGIN_MS);
  return {
    ledger: { ddb: options.ddb, tableName: options.tableName },
    clock: options.clock,
    leaseUntil: () => deadline,
    logger: options.logger,
    owner: randomUUID(),
    sleep: options.sleep ?? defaultSleep,
  };
}

/** The part of every handler's deps a runner is made from. */
export interface RunnerDeps {
  ddb: DynamoDBDocumentClient;
  clock: () => Date;
  logger: Logger;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  settings: { tableName: string };
}

/**
 * This invocation's runner: its claims last until the invocation is certainly dead, so
 * a live invocation is never overtaken. `defaultLeaseMs` applies without a Lambda context.
 */
export function invocationRunner(
  deps: RunnerDeps,
  context: InvocationContext | undefined,
  defaultLeaseMs?: number,
): EffectRunner {
  return effectRunner({
    ddb: deps.ddb,
    tableName: deps.settings.tableName,
    clock: deps.clock,
    logger: deps.logger,
    context,
    defaultLeaseMs,
    sleep: deps.sleep,
  });
}

/** Lock options for this invocation: held until it is certainly dead, waited for a bounded time. */
export function lockOptions(runner: EffectRunner, waitMs?: number): LockOptions {
  return {
    owner: runner.owner,
    leaseUntil: runner.leaseUntil(),
    now: runner.clock,
    sleep: runner.sleep,
    ...(waitMs === undefined ? {} : { waitMs }),
  };
}
