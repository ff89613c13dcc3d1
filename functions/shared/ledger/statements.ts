/**
 * A statement in the ledger (docs/architecture.md, "Ledger"): the head
 * (`stmt#<id>` / `head`), the lifecycle head (core/lifecycle) plus what people
 * read (headline, times). It carries the statement lock: every revision and
 * every release is decided and carried out holding it.
 *
 * The statement's other items: revision items (revisions.ts), the website item
 * (site.ts) and the releases owed (due.ts).
 *
 * Items are parsed through schemas when read (`zod/mini`: `send` reads heads).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { LifecycleHead, Reached } from '../../../core/lifecycle/types';
import '../zod-mini';
import { LedgerItemError } from '../errors';
import { HEAD_SK, type Ledger, statementPk } from './client';
import { type HeldLock, type LockOptions, updateLocked, withLock } from './lock';
import { currentSchema, reachedSchema } from './statement-schemas';

const headItemSchema = z.object({
  id: z.string(),
  headline: z.string(),
  latestRevision: z.number(),
  latestSha256: z.string(),
  current: z.optional(z.nullable(currentSchema)),
  awaitingRevision: z.optional(z.nullable(z.number())),
  releasedRevision: z.optional(z.nullable(z.number())),
  releasedAt: z.optional(z.nullable(z.string())),
  releaseStarted: z.optional(z.nullable(z.object({ revision: z.number(), website: z.boolean() }))),
  reached: reachedSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** The head as stored: the lifecycle head and what people read about the statement. */
export interface StatementHead extends LifecycleHead {
  headline: string;
  latestSha256: string;
  releasedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Parses a head item; null for an item the lock created before anything was recorded. */
export function parseHeadItem(item: Record<string, unknown> | undefined): StatementHead | null {
  if (!item || item.latestRevision === undefined) return null;
  const result = headItemSchema.safeParse(item);
  if (!result.success) throw LedgerItemError.from('statement head', item, result.error.issues);
  const h = result.data;
  return {
    id: h.id,
    headline: h.headline,
    latestRevision: h.latestRevision,
    latestSha256: h.latestSha256,
    current: h.current ?? null,
    awaitingRevision: h.awaitingRevision ?? null,
    releasedRevision: h.releasedRevision ?? null,
    releasedAt: h.releasedAt ?? null,
    releaseStarted: h.releaseStarted ?? null,
    reached: h.reached,
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
}

/** The head, read with strong consistency (every fence reads it just before it acts). */
export async function getHead(ledger: Ledger, id: string): Promise<StatementHead | null> {
  const out = await ledger.ddb.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: { pk: statementPk(id), sk: HEAD_SK },
      ConsistentRead: true,
    }),
  );
  return parseHeadItem(out.Item);
}

/** The statement lock, held while a revision or a release is decided and carried out. */
export interface StatementLock extends HeldLock {
  id: string;
  /** The head when the lock was taken (null: nothing recorded for this id yet). */
  head: StatementHead | null;
}

export async function withStatementLock<T>(
  ledger: Ledger,
  id: string,
  options: LockOptions,
  work: (lock: StatementLock) => Promise<T>,
): Promise<T> {
  return withLock(
    ledger,
    { pk: statementPk(id), sk: HEAD_SK },
    // An item the lock created for an upload that was then refused is removed again.
    { ...options, deleteUnless: 'latestRevision' },
    (held) => work({ ...held, id, head: parseHeadItem(held.item) }),
  );
}

/** What a commit records on the head besides the lifecycle head. */
export interface CommitFacts {
  headline: string;
  sha256: string;
  now: Date;
}

/**
 * A revision goes ahead: the head takes its plan (and the revision becomes the one in
 * force). Only while we hold the lock; returns the lock with the head as it now is.
 */
export function commitRevision(
  ledger: Ledger,
  lock: StatementLock,
  next: LifecycleHead,
  facts: CommitFacts,
): Promise<StatementLock> {
  return commitHead(ledger, lock, next, facts, 'in-force');
}

/**
 * A revision was accepted to await approval: the head's latest and awaiting revision
 * move to it (core/lifecycle `headAwaiting`); what is in force does not. Only while we
 * hold the lock; returns the lock with the head as it now is.
 */
export function commitAwaiting(
  ledger: Ledger,
  lock: StatementLock,
  next: LifecycleHead,
  facts: CommitFacts,
): Promise<StatementLock> {
  return commitHead(ledger, lock, next, facts, 'awaiting');
}

/** An awaiting revision leaves the headline, what is in force and what was reached as they are. */
async function commitHead(
  ledger: Ledger,
  lock: StatementLock,
  next: LifecycleHead,
  facts: CommitFacts,
  as: 'in-force' | 'awaiting',
): Promise<StatementLock> {
  const now = facts.now.toISOString();
  const keep = (attribute: string, value: string) =>
    as === 'awaiting' ? `if_not_exists(${attribute}, ${value})` : value;
  await updateLocked(ledger, lock, {
    UpdateExpression: `SET id = :id, headline = ${keep('headline', ':headline')}, latestRevision = :latest, latestSha256 = :sha, #current = ${keep('#current', ':current')}, awaitingRevision = :awaiting, reached = ${keep('reached', ':reached')}, updatedAt = :now, createdAt = if_not_exists(createdAt, :now)`,
    ExpressionAttributeNames: { '#current': 'current' },
    ExpressionAttributeValues: {
      ':id': next.id,
      ':headline': facts.headline,
      ':latest': next.latestRevision,
      ':sha': facts.sha256,
      ':current': next.current,
      ':awaiting': next.awaitingRevision,
      ':reached': next.reached,
      ':now': now,
    },
  });
  const head: StatementHead = {
    ...next,
    headline: as === 'awaiting' ? (lock.head?.headline ?? facts.headline) : facts.headline,
    latestSha256: facts.sha256,
    releasedAt: lock.head?.releasedAt ?? null,
    createdAt: lock.head?.createdAt ?? now,
    updatedAt: now,
  };
  return { ...lock, head };
}

/** The awaiting revision was rejected: nothing awaits any more (under the lock). */
export async function clearAwaiting(
  ledger: Ledger,
  lock: StatementLock,
  now: Date,
): Promise<StatementLock> {
  await updateLocked(ledger, lock, {
    UpdateExpression: 'SET awaitingRevision = :none, updatedAt = :now',
    ExpressionAttributeValues: { ':none': null, ':now': now.toISOString() },
  });
  return lock.head ? { ...lock, head: { ...lock.head, awaitingRevision: null } } : lock;
}

/** A release has begun: a withdrawal from now on takes public files back even if it dies midway. */
export async function recordReleaseStart(
  ledger: Ledger,
  lock: StatementLock,
  release: { revision: number; website: boolean },
): Promise<void> {
  await updateLocked(ledger, lock, {
    UpdateExpression: 'SET releaseStarted = :started',
    ExpressionAttributeValues: { ':started': release },
  });
}

export async function recordReleased(
  ledger: Ledger,
  lock: StatementLock,
  release: { revision: number; reached: Reached; now: Date },
): Promise<void> {
  await updateLocked(ledger, lock, {
    UpdateExpression: 'SET releasedRevision = :rev, releasedAt = :now, reached = :reached',
    ExpressionAttributeValues: {
      ':rev': release.revision,
      ':now': release.now.toISOString(),
      ':reached': release.reached,
    },
  });
}
