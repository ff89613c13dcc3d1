/**
 * A lease lock on one ledger item (`lockOwner`, `lockUntil` epoch ms), taken
 * with a conditional update. Herald locks a statement's head while it decides
 * and performs the effects of a revision or a release, and the statement's
 * website item while it POSTs to the website: that is what makes "nothing of
 * an older revision after a newer one" hold, since an SNS publish or a POST
 * cannot be made conditional on the ledger.
 *
 * The lease runs to the invocation's deadline (plus a margin), so a live
 * holder is never overtaken; a holder that died is overtaken once its lease
 * has run out. Waiting is bounded: past `waitMs` the caller gets
 * ItemLockedError, a RetryableError, and the platform's retry comes back later.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { RetryableError } from '../errors';
import { isConditionalCheckFailed, type Ledger, type LedgerKey } from './client';

/** Another invocation holds the lock and did not let go within the wait. */
export class ItemLockedError extends RetryableError {
  override name = 'ItemLockedError';
  constructor(readonly key: LedgerKey) {
    super(`${key.pk} ${key.sk} is locked by another invocation; retry later`);
  }
}

/** Our lease ran out and someone else took the lock: stop, their attempt carries on. */
export class LockLostError extends RetryableError {
  override name = 'LockLostError';
  constructor(readonly key: LedgerKey) {
    super(`lost the lock on ${key.pk} ${key.sk}; another invocation took it over`);
  }
}

export interface LockOptions {
  owner: string;
  leaseUntil: Date;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Longest total wait for a lock someone else holds. @default 20 s */
  waitMs?: number;
}

export interface HeldLock {
  key: LedgerKey;
  owner: string;
  /** The item as it was when the lock was taken (without the lock fields). */
  item: Record<string, unknown>;
}

const DEFAULT_WAIT_MS = 20_000;

/** Takes the lock (creating the item if need be); waits while a live lease is held by another. */
export async function acquireLock(
  ledger: Ledger,
  key: LedgerKey,
  options: LockOptions,
): Promise<HeldLock> {
  const budget = options.waitMs ?? DEFAULT_WAIT_MS;
  let waited = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const out = await ledger.ddb.send(
        new UpdateCommand({
          TableName: ledger.tableName,
          Key: key,
          UpdateExpression: 'SET lockOwner = :owner, lockUntil = :until',
          ConditionExpression:
            'attribute_not_exists(lockOwner) OR lockUntil < :now OR lockOwner = :owner',
          ExpressionAttributeValues: {
            ':owner': options.owner,
            ':until': options.leaseUntil.getTime(),
            ':now': options.now().getTime(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const { lockOwner: _owner, lockUntil: _until, ...item } = out.Attributes ?? {};
      return { key, owner: options.owner, item };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const delay = Math.min(1_000, 100 * 2 ** attempt);
    if (waited + delay > budget) throw new ItemLockedError(key);
    await options.sleep(delay);
    waited += delay;
  }
}

/**
 * Lets go. When nothing was ever written to an item the lock created (no
 * `keepIfMissing` attribute), the item is deleted instead, so a refused first
 * upload leaves no empty statement behind.
 */
export async function releaseLock(
  ledger: Ledger,
  lock: HeldLock,
  options: { deleteUnless?: string } = {},
): Promise<void> {
  const owner = { ':owner': lock.owner };
  const unlock = (condition: string, names?: Record<string, string>) =>
    ledger.ddb.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: lock.key,
        UpdateExpression: 'REMOVE lockOwner, lockUntil',
        ConditionExpression: condition,
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: owner,
      }),
    );
  try {
    if (!options.deleteUnless) {
      await unlock('lockOwner = :owner');
      return;
    }
    const keep = { '#keep': options.deleteUnless };
    // The usual case first (something was written), so it takes one call.
    try {
      await unlock('lockOwner = :owner AND attribute_exists(#keep)', keep);
      return;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    await ledger.ddb.send(
      new DeleteCommand({
        TableName: ledger.tableName,
        Key: lock.key,
        ConditionExpression: 'lockOwner = :owner AND attribute_not_exists(#keep)',
        ExpressionAttributeNames: keep,
        ExpressionAttributeValues: owner,
      }),
    );
  } catch (err) {
    // Lost already (our lease ran out): the new holder lets go when it is done.
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

/** Runs `work` holding the lock and always lets go afterwards. */
export async function withLock<T>(
  ledger: Ledger,
  key: LedgerKey,
  options: LockOptions & { deleteUnless?: string },
  work: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(ledger, key, options);
  try {
    return await work(lock);
  } finally {
    await releaseLock(
      ledger,
      lock,
      options.deleteUnless ? { deleteUnless: options.deleteUnless } : {},
    );
  }
}

/**
 * An update that only applies while we hold the lock; throws LockLostError
 * otherwise. `update` gets the condition and values to merge into its command.
 */
export async function updateLocked(
  ledger: Ledger,
  lock: HeldLock,
  update: {
    UpdateExpression: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  },
): Promise<void> {
  try {
    await ledger.ddb.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: lock.key,
        UpdateExpression: update.UpdateExpression,
        ConditionExpression: 'lockOwner = :lockOwner',
        ...(update.ExpressionAttributeNames
          ? { ExpressionAttributeNames: update.ExpressionAttributeNames }
          : {}),
        ExpressionAttributeValues: {
          ...update.ExpressionAttributeValues,
          ':lockOwner': lock.owner,
        },
      }),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err)) throw new LockLostError(lock.key);
    throw err;
  }
}
