/**
 * Revision items (`stmt#<id>` / `rev#<0001>`): the content sha256 (dedupes a
 * re-upload or a redelivered S3 event), where it came from, and the plan
 * decided for it.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { RevisionKind, RevisionPlan } from '../../../core/lifecycle/types';
import type { Issue } from '../../../core/types';
import '../zod-mini';
import { LedgerItemError } from '../errors';
import { type Ledger, revisionSk, statementPk } from './client';
import {
  channelsSchema,
  embargoSchema,
  kindSchema,
  reachedSchema,
  statusSchema,
} from './statement-schemas';

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
