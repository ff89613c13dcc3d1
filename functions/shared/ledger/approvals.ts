/**
 * Approval decisions in the ledger: one item per approver and revision,
 * `stmt#<id>` / `appr#<rev>#<approver>`, written once with a conditional put.
 * That write is what makes a link single-use: an approver's second click (on
 * either link, or a replayed POST) finds their decision already there. An
 * operator (`herald approve`) is keyed by their IAM principal, so each
 * distinct person counts once however often they approve.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { LedgerItemError } from '../errors';
import '../zod-mini';
import {
  isConditionalCheckFailed,
  type Ledger,
  padRevision,
  queryItems,
  statementPk,
} from './client';

export type ApprovalVerdict = 'approved' | 'rejected';

export interface ApprovalItem {
  id: string;
  revision: number;
  decision: ApprovalVerdict;
  /** An approver's address (lower-case) or an operator's IAM principal ARN. */
  approver: string;
  /** How the audit trail names them. */
  name: string;
  /** `link`: from the proof email; `operator`: `herald approve` / `herald reject`. */
  via: 'link' | 'operator';
  /** Why it was rejected (rejections only). */
  reason: string | null;
  at: string;
}

const approvalItemSchema = z.object({
  id: z.string(),
  revision: z.number(),
  decision: z.enum(['approved', 'rejected']),
  approver: z.string(),
  name: z.string(),
  via: z.enum(['link', 'operator']),
  reason: z.optional(z.nullable(z.string())),
  at: z.string(),
});

export function approvalSk(revision: number, approver: string): string {
  return `appr#${padRevision(revision)}#${approver.toLowerCase()}`;
}

export function parseApprovalItem(item: Record<string, unknown>): ApprovalItem {
  const result = approvalItemSchema.safeParse(item);
  if (!result.success) throw LedgerItemError.from('approval decision', item, result.error.issues);
  return { ...result.data, reason: result.data.reason ?? null };
}

/** Records a decision unless this approver already decided on this revision. */
export async function recordDecision(
  ledger: Ledger,
  item: ApprovalItem,
): Promise<'recorded' | 'already-decided'> {
  try {
    await ledger.ddb.send(
      new PutCommand({
        TableName: ledger.tableName,
        Item: {
          ...item,
          approver: item.approver.toLowerCase(),
          pk: statementPk(item.id),
          sk: approvalSk(item.revision, item.approver),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return 'recorded';
  } catch (err) {
    if (isConditionalCheckFailed(err)) return 'already-decided';
    throw err;
  }
}

/** Every decision on one revision, oldest first. */
export async function listDecisions(
  ledger: Ledger,
  id: string,
  revision: number,
): Promise<ApprovalItem[]> {
  const items: ApprovalItem[] = [];
  const query = {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: {
      ':pk': statementPk(id),
      ':prefix': `appr#${padRevision(revision)}#`,
    },
  };
  for await (const item of queryItems(ledger, query)) items.push(parseApprovalItem(item));
  return items.sort((a, b) => a.at.localeCompare(b.at));
}

/** One approver's decision on a revision, if they made one. */
export async function getDecision(
  ledger: Ledger,
  id: string,
  revision: number,
  approver: string,
): Promise<ApprovalItem | null> {
  const out = await ledger.ddb.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: { pk: statementPk(id), sk: approvalSk(revision, approver) },
      ConsistentRead: true,
    }),
  );
  return out.Item ? parseApprovalItem(out.Item) : null;
}
