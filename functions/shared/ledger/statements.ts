/**
 * Statement head and revision items (docs/architecture.md, "Ledger"). The head
 * is what `release` re-reads before going public; the revision item dedupes a
 * re-upload or a redelivered S3 event by content sha256.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PressJobType } from '../messages';
import { HEAD_SK, isConditionalCheckFailed, type Ledger, revisionSk, statementPk } from './client';

export interface StatementHead {
  pk: string;
  sk: typeof HEAD_SK;
  id: string;
  latestRevision: number;
  status: 'publish' | 'withdraw';
  headline: string;
  /** The latest revision's embargo lift in force when it was processed (ISO UTC), or null. */
  embargoUntil: string | null;
  latestSha256: string;
  createdAt: string;
  updatedAt: string;
  /** The revision last made public (website + statement.released), if any. */
  releasedRevision?: number;
  releasedAt?: string;
}

export interface RevisionItem {
  pk: string;
  sk: string;
  id: string;
  revision: number;
  sha256: string;
  type: PressJobType;
  sourceKey: string;
  /** versionId, else eTag, of the uploaded file. */
  sourceVersion: string | null;
  receivedAt: string;
  /** Set once every side effect of this revision is done; a duplicate of a complete revision does nothing. */
  complete: boolean;
}

export async function getHead(ledger: Ledger, id: string): Promise<StatementHead | undefined> {
  const result = await ledger.ddb.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: { pk: statementPk(id), sk: HEAD_SK },
      ConsistentRead: true,
    }),
  );
  return result.Item as StatementHead | undefined;
}

export async function getRevision(
  ledger: Ledger,
  id: string,
  revision: number,
): Promise<RevisionItem | undefined> {
  const result = await ledger.ddb.send(
    new GetCommand({
      TableName: ledger.tableName,
      Key: { pk: statementPk(id), sk: revisionSk(revision) },
      ConsistentRead: true,
    }),
  );
  return result.Item as RevisionItem | undefined;
}

/** Records a new revision; false if that revision was already recorded (by this or another invocation). */
export async function putRevision(
  ledger: Ledger,
  item: Omit<RevisionItem, 'pk' | 'sk' | 'complete'>,
): Promise<boolean> {
  try {
    await ledger.ddb.send(
      new PutCommand({
        TableName: ledger.tableName,
        Item: { ...item, pk: statementPk(item.id), sk: revisionSk(item.revision), complete: false },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

export async function markRevisionComplete(
  ledger: Ledger,
  id: string,
  revision: number,
  now: Date,
): Promise<void> {
  await ledger.ddb.send(
    new UpdateCommand({
      TableName: ledger.tableName,
      Key: { pk: statementPk(id), sk: revisionSk(revision) },
      UpdateExpression: 'SET complete = :true, completedAt = :now',
      ExpressionAttributeValues: { ':true': true, ':now': now.toISOString() },
    }),
  );
}

export interface HeadUpdate {
  id: string;
  revision: number;
  status: 'publish' | 'withdraw';
  headline: string;
  embargoUntil: string | null;
  sha256: string;
}

/**
 * Moves the head to `revision` unless a newer revision got there first (false).
 * Re-applying the same revision is allowed, so a resumed ingest can repeat it.
 */
export async function advanceHead(ledger: Ledger, update: HeadUpdate, now: Date): Promise<boolean> {
  try {
    await ledger.ddb.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: { pk: statementPk(update.id), sk: HEAD_SK },
        UpdateExpression:
          'SET id = :id, latestRevision = :rev, #status = :status, headline = :headline, embargoUntil = :embargo, latestSha256 = :sha, updatedAt = :now, createdAt = if_not_exists(createdAt, :now)',
        ConditionExpression: 'attribute_not_exists(pk) OR latestRevision <= :rev',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':id': update.id,
          ':rev': update.revision,
          ':status': update.status,
          ':headline': update.headline,
          ':embargo': update.embargoUntil,
          ':sha': update.sha256,
          ':now': now.toISOString(),
        },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/**
 * Records that `revision` is public. Only while it is still the latest,
 * published revision: false if a withdrawal or newer revision landed meanwhile.
 */
export async function markReleased(
  ledger: Ledger,
  id: string,
  revision: number,
  now: Date,
): Promise<boolean> {
  try {
    await ledger.ddb.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: { pk: statementPk(id), sk: HEAD_SK },
        UpdateExpression: 'SET releasedRevision = :rev, releasedAt = :now',
        ConditionExpression: 'latestRevision = :rev AND #status = :publish',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':rev': revision,
          ':now': now.toISOString(),
          ':publish': 'publish',
        },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}
