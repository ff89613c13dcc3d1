/**
 * Everything the ledger holds about one statement (every item of
 * `stmt#<id>`), sorted into its kinds, for `herald status`. Read-only; the
 * summary is pure and lives in core/status.
 */
import { type ApprovalItem, parseApprovalItem } from './approvals';
import { HEAD_SK, type Ledger, queryItems, statementPk } from './client';
import { type EffectItem, parseEffectItem } from './effects';
import { parseRevisionItem, type RevisionItem } from './revisions';
import { parseSendItem, type SendItem } from './sends';
import { parseHeadItem, type StatementHead } from './statements';
import { type DeliveryTally, parseTallyItem } from './tally';

export interface StatementLedgerItems {
  id: string;
  head: StatementHead | null;
  revisions: RevisionItem[];
  effects: EffectItem[];
  sends: SendItem[];
  /** Approval decisions (`appr#<rev>#<approver>`). */
  approvals: ApprovalItem[];
  /** Delivery tallies (`tally#<rev>`). */
  tallies: DeliveryTally[];
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
    approvals: [],
    tallies: [],
    other: [],
  };
  const query = {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': statementPk(id) },
    ...(options.pageSize ? { Limit: options.pageSize } : {}),
  };
  for await (const item of queryItems(ledger, query)) sortItem(result, item);
  return result;
}

function sortItem(into: StatementLedgerItems, item: Record<string, unknown>): void {
  const sk = typeof item.sk === 'string' ? item.sk : '';
  if (sk === HEAD_SK) into.head = parseHeadItem(item);
  else if (sk.startsWith('rev#')) into.revisions.push(parseRevisionItem(item));
  else if (sk.startsWith('fx#')) into.effects.push(parseEffectItem(item));
  else if (sk.startsWith('sent#')) into.sends.push(parseSendItem(item));
  else if (sk.startsWith('appr#')) into.approvals.push(parseApprovalItem(item));
  else if (sk.startsWith('tally#')) into.tallies.push(parseTallyItem(item));
  else into.other.push(item);
}
