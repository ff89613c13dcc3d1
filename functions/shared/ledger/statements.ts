/**
 * A statement in the ledger (docs/architecture.md, "Ledger"):
 *
 * - the head (`stmt#<id>` / `head`): the lifecycle head (core/lifecycle) plus what
 *   people read (headline, times). It carries the statement lock: every revision
 *   and every release is decided and carried out holding it.
 * - revision items (`rev#<0001>`): the content sha256 (dedupes a re-upload or a
 *   redelivered S3 event), where it came from, and the plan decided for it.
 * - the website item (`site`): the last revision the website was told about, and
 *   the lock the website hook holds while it POSTs.
 * - due items (`due` / `<id>`): releases owed, which the sweep in `release` finds
 *   if a schedule was lost or its retries ran out.
 *
 * Items are parsed through schemas when read (`zod/mini`: `send` reads heads).
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type {
  CurrentRevision,
  LifecycleHead,
  Reached,
  RevisionKind,
  RevisionPlan,
} from '../../../core/lifecycle/types';
import type { Issue } from '../../../core/types';
import '../zod-mini';
import { LedgerItemError } from '../errors';
import { HEAD_SK, isConditionalCheckFailed, type Ledger, revisionSk, statementPk } from './client';
import { type HeldLock, type LockOptions, updateLocked, withLock } from './lock';

const embargoSchema = z.object({ until: z.string(), timezone: z.string(), display: z.string() });
const kindSchema = z.enum(['published', 'corrected', 'withdrawn']);
const statusSchema = z.enum(['publish', 'withdraw']);
const channelsSchema = z.object({
  press: z.boolean(),
  partners: z.boolean(),
  website: z.boolean(),
});
const currentSchema = z.object({
  revision: z.number(),
  status: statusSchema,
  kind: kindSchema,
  embargo: z.nullable(embargoSchema),
  channels: channelsSchema,
}) satisfies z.ZodMiniType<CurrentRevision>;
const reachedSchema = z.object({
  pressTopics: z.nullable(z.array(z.string())),
  partners: z.boolean(),
  website: z.boolean(),
}) satisfies z.ZodMiniType<Reached>;

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

/**
 * A revision goes ahead: the head takes its plan (and the revision becomes the one in
 * force). Only while we hold the lock; returns the lock with the head as it now is.
 */
export async function commitRevision(
  ledger: Ledger,
  lock: StatementLock,
  next: LifecycleHead,
  facts: { headline: string; sha256: string; now: Date },
): Promise<StatementLock> {
  const now = facts.now.toISOString();
  await updateLocked(ledger, lock, {
    UpdateExpression:
      'SET id = :id, headline = :headline, latestRevision = :latest, latestSha256 = :sha, #current = :current, awaitingRevision = :awaiting, reached = :reached, updatedAt = :now, createdAt = if_not_exists(createdAt, :now)',
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
    headline: facts.headline,
    latestSha256: facts.sha256,
    releasedAt: lock.head?.releasedAt ?? null,
    createdAt: lock.head?.createdAt ?? now,
    updatedAt: now,
  };
  return { ...lock, head };
}

/**
 * A revision was accepted to await approval: the head's latest and awaiting revision
 * move to it (core/lifecycle `headAwaiting`); what is in force does not. Only while we
 * hold the lock; returns the lock with the head as it now is.
 */
export async function commitAwaiting(
  ledger: Ledger,
  lock: StatementLock,
  next: LifecycleHead,
  facts: { headline: string; sha256: string; now: Date },
): Promise<StatementLock> {
  const now = facts.now.toISOString();
  await updateLocked(ledger, lock, {
    UpdateExpression:
      'SET id = :id, headline = if_not_exists(headline, :headline), latestRevision = :latest, latestSha256 = :sha, #current = if_not_exists(#current, :current), awaitingRevision = :awaiting, reached = if_not_exists(reached, :reached), updatedAt = :now, createdAt = if_not_exists(createdAt, :now)',
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
    headline: lock.head?.headline ?? facts.headline,
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

// ── Revision items ──────────────────────────────────────────────────────────

const effectSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('unschedule'), below: z.number() }),
  z.object({
    kind: z.literal('press'),
    type: kindSchema,
    topics: z.nullable(z.array(z.string())),
    holders: z.boolean(),
  }),
  z.object({
    kind: z.literal('partners'),
    type: z.enum(['statement.published', 'statement.corrected', 'statement.withdrawn']),
  }),
  z.object({ kind: z.literal('schedule'), at: z.string() }),
  z.object({ kind: z.literal('release'), partners: z.boolean(), website: z.boolean() }),
  z.object({ kind: z.literal('unpublish') }),
  z.object({ kind: z.literal('proofs') }),
]);

const planSchema = z.object({
  revision: z.number(),
  status: statusSchema,
  kind: kindSchema,
  embargo: z.nullable(embargoSchema),
  inheritedFrom: z.nullable(z.number()),
  liftChange: z.nullable(z.object({ from: embargoSchema, to: z.nullable(embargoSchema) })),
  channels: channelsSchema,
  effects: z.array(effectSchema),
  reached: reachedSchema,
  basedOn: z.nullable(z.number()),
  decidedAt: z.string(),
}) satisfies z.ZodMiniType<RevisionPlan>;

const issueSchema = z.object({ path: z.string(), message: z.string() });

const revisionItemSchema = z.object({
  id: z.string(),
  revision: z.number(),
  sha256: z.string(),
  kind: z.optional(kindSchema),
  sourceKey: z.string(),
  sourceVersion: z.nullable(z.string()),
  receivedAt: z.string(),
  uploadedBy: z.optional(z.nullable(z.string())),
  plan: z.optional(z.nullable(planSchema)),
  warnings: z.optional(z.array(issueSchema)),
  complete: z.boolean(),
  completedAt: z.optional(z.string()),
  /** How it ended when it did not go ahead in full (superseded before it ran). */
  outcome: z.optional(z.string()),
});

export interface RevisionItem {
  id: string;
  revision: number;
  sha256: string;
  kind: RevisionKind | null;
  sourceKey: string;
  /** versionId, else eTag, of the uploaded file. */
  sourceVersion: string | null;
  receivedAt: string;
  /** Who put the file in the bucket (the S3 event's principal), when known. */
  uploadedBy: string | null;
  /**
   * The plan decided when it was accepted (a resumed attempt carries it out); for a
   * revision that awaited approval, the plan decided when it was approved.
   */
  plan: RevisionPlan | null;
  warnings: Issue[];
  /** Every effect done (or the revision was superseded before it ran): a duplicate does nothing. */
  complete: boolean;
  completedAt: string | null;
  outcome: string | null;
}

export function parseRevisionItem(item: Record<string, unknown>): RevisionItem {
  const result = revisionItemSchema.safeParse(item);
  if (!result.success) throw LedgerItemError.from('revision', item, result.error.issues);
  const r = result.data;
  return {
    id: r.id,
    revision: r.revision,
    sha256: r.sha256,
    kind: r.kind ?? null,
    sourceKey: r.sourceKey,
    sourceVersion: r.sourceVersion,
    receivedAt: r.receivedAt,
    uploadedBy: r.uploadedBy ?? null,
    plan: r.plan ?? null,
    warnings: r.warnings ?? [],
    complete: r.complete,
    completedAt: r.completedAt ?? null,
    outcome: r.outcome ?? null,
  };
}

export async function getRevision(
  ledger: Ledger,
  id: string,
  revision: number,
): Promise<RevisionItem | null> {
  const out = await ledger.ddb.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: { pk: statementPk(id), sk: revisionSk(revision) },
      ConsistentRead: true,
    }),
  );
  return out.Item ? parseRevisionItem(out.Item) : null;
}

/** Records an accepted revision and its plan (under the statement lock: a plain put). */
export async function putRevision(
  ledger: Ledger,
  item: Omit<RevisionItem, 'complete' | 'completedAt' | 'outcome' | 'uploadedBy'> & {
    uploadedBy?: string | null;
  },
): Promise<void> {
  await ledger.ddb.send(
    new PutCommand({
      TableName: ledger.tableName,
      Item: {
        ...item,
        pk: statementPk(item.id),
        sk: revisionSk(item.revision),
        complete: false,
      },
    }),
  );
}

/**
 * An approved revision goes ahead: its item takes the plan decided at approval and is
 * unfinished again until that plan has been carried out.
 */
export async function startApprovedRevision(
  ledger: Ledger,
  id: string,
  revision: number,
  facts: { plan: RevisionPlan; warnings: Issue[]; now: Date },
): Promise<void> {
  await ledger.ddb.send(
    new UpdateCommand({
      TableName: ledger.tableName,
      Key: { pk: statementPk(id), sk: revisionSk(revision) },
      UpdateExpression:
        'SET #plan = :plan, warnings = :warnings, kind = :kind, complete = :false, approvedAt = :now REMOVE outcome, completedAt',
      ExpressionAttributeNames: { '#plan': 'plan' },
      ExpressionAttributeValues: {
        ':plan': facts.plan,
        ':warnings': facts.warnings,
        ':kind': facts.plan.kind,
        ':false': false,
        ':now': facts.now.toISOString(),
      },
    }),
  );
}

export async function markRevisionComplete(
  ledger: Ledger,
  id: string,
  revision: number,
  now: Date,
  outcome?: string,
): Promise<void> {
  await ledger.ddb.send(
    new UpdateCommand({
      TableName: ledger.tableName,
      Key: { pk: statementPk(id), sk: revisionSk(revision) },
      UpdateExpression: `SET complete = :true, completedAt = :now${outcome ? ', outcome = :outcome' : ''}`,
      ExpressionAttributeValues: {
        ':true': true,
        ':now': now.toISOString(),
        ...(outcome ? { ':outcome': outcome } : {}),
      },
    }),
  );
}

// ── The website item ────────────────────────────────────────────────────────

export const SITE_SK = 'site';

/** The revision the website was last told about (a release or the withdrawal), if any. */
export function lastPostedOf(item: Record<string, unknown>): number | null {
  return typeof item.lastPostedRevision === 'number' ? item.lastPostedRevision : null;
}

export async function recordPosted(
  ledger: Ledger,
  lock: HeldLock,
  posted: { revision: number; type: string; now: Date },
): Promise<void> {
  await updateLocked(ledger, lock, {
    UpdateExpression: 'SET lastPostedRevision = :rev, lastPostedType = :type, lastPostedAt = :now',
    ExpressionAttributeValues: {
      ':rev': posted.revision,
      ':type': posted.type,
      ':now': posted.now.toISOString(),
    },
  });
}

// ── Releases owed (the sweep's list) ────────────────────────────────────────

const DUE_PK = 'due';

export interface DueRelease {
  id: string;
  revision: number;
  /** When the release is owed: the lift, or the time it went ahead with no embargo. */
  at: string;
}

/** Written before a revision that must be released goes ahead, so a lost release is found. */
export async function putDue(ledger: Ledger, due: DueRelease): Promise<void> {
  await ledger.ddb.send(
    new PutCommand({
      TableName: ledger.tableName,
      Item: { pk: DUE_PK, sk: due.id, ...due },
    }),
  );
}

/** The release of `revision` is settled (made, or no longer owed); a newer due entry stays. */
export async function clearDue(ledger: Ledger, id: string, revision: number): Promise<void> {
  try {
    await ledger.ddb.send(
      new DeleteCommand({
        TableName: ledger.tableName,
        Key: { pk: DUE_PK, sk: id },
        ConditionExpression: 'revision <= :rev',
        ExpressionAttributeValues: { ':rev': revision },
      }),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

/** Every release owed at or before `now` (oldest first). */
export async function listDue(ledger: Ledger, now: Date): Promise<DueRelease[]> {
  const due: DueRelease[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ledger.ddb.send(
      new QueryCommand({
        TableName: ledger.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': DUE_PK },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      if (
        typeof item.id === 'string' &&
        typeof item.revision === 'number' &&
        typeof item.at === 'string' &&
        Date.parse(item.at) <= now.getTime()
      ) {
        due.push({ id: item.id, revision: item.revision, at: item.at });
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return due.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
