/**
 * Due items (`due` / `<id>`): releases owed, which the sweep in `release` finds
 * if a schedule was lost or its retries ran out.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, type Ledger, queryItems } from './client';

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
  const query = {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': DUE_PK },
  };
  for await (const item of queryItems(ledger, query)) {
    if (
      typeof item.id === 'string' &&
      typeof item.revision === 'number' &&
      typeof item.at === 'string' &&
      Date.parse(item.at) <= now.getTime()
    ) {
      due.push({ id: item.id, revision: item.revision, at: item.at });
    }
  }
  return due.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
