/**
 * Everything the ledger holds about one statement (every item of
 * `stmt#<id>`), sorted into its kinds, for `herald status`. Read-only; the
 * summary is pure and lives in core/status.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { HEAD_SK, type Ledger, statementPk } from './client';
import type { EffectItem } from './effects';
import type { SendStatus } from './sends';
import type { RevisionItem, StatementHead } from './statements';

/** A per-recipient send record as sends.ts writes it. */
export interface SendItem {
  pk: string;
  sk: string;
  email?: string;
  revision?: number;
  status: SendStatus;
  leaseUntil?: number;
  claimedAt?: string;
  sentAt?: string;
  sesMessageId?: string;
  rejectedAt?: string;
  reason?: string;
}

/** A revision item once ingest has finished it (markRevisionComplete adds completedAt). */
export type RevisionRecord = RevisionItem & { completedAt?: string };

export interface StatementLedgerItems {
  id: string;
  head: StatementHead | null;
  revisions: RevisionRecord[];
  effects: EffectItem[];
  sends: SendItem[];
  /** Items under the statement's key with a sort key this version does not know. */
  other: Array<Record<string, unknown>>;
}

/**
 * All items of `stmt#<id>`, following LastEvaluatedKey until the last page.
 * `pageSize` caps each page (DynamoDB's 1 MB page limit applies regardless).
 */
export async function readStatementItems(
  ledger: Ledger,
  id: string,
  options: { pageSize?: number } = {},
): Promise<StatementLedgerItems> {
  const result: StatementLedgerItems = {
    id,
    head: null,
    revisions: [],
    effects: [],
    sends: [],
    other: [],
  };
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ledger.ddb.send(
      new QueryCommand({
        TableName: ledger.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': statementPk(id) },
        ConsistentRead: true,
        ...(options.pageSize ? { Limit: options.pageSize } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) sortItem(result, item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return result;
}

function sortItem(into: StatementLedgerItems, item: Record<string, unknown>): void {
  const sk = typeof item.sk === 'string' ? item.sk : '';
  if (sk === HEAD_SK) into.head = item as unknown as StatementHead;
  else if (sk.startsWith('rev#')) into.revisions.push(item as unknown as RevisionRecord);
  else if (sk.startsWith('fx#')) into.effects.push(item as unknown as EffectItem);
  else if (sk.startsWith('sent#')) into.sends.push(item as unknown as SendItem);
  else into.other.push(item);
}
