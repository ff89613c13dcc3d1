/**
 * The ledger: one DynamoDB table (`pk`/`sk` strings, TTL attribute `expiresAt`)
 * that makes every side effect idempotent. Item layout: docs/architecture.md
 * ("Ledger"). This module holds the base every ledger module builds on
 * (sends.ts, suppression.ts, statements.ts, effects.ts) and the key helpers.
 *
 * ## At-least-once windows
 *
 * S3 events, SNS, SQS, Lambda async retries and the scheduler all deliver at
 * least once, so every side effect is claimed in the ledger before it happens.
 * Claiming cannot make an external call exactly-once: these are the windows
 * where a duplicate can still reach someone, and why each is acceptable.
 *
 * 1. **Side-effect markers** (`fx#<rev>#<name>`, functions/shared/ledger/effects.ts).
 *    An invocation claims the marker (`pending`, with a lease that ends when the
 *    invocation's time runs out), makes the call (SNS publish, schedule, S3
 *    writes), then sets `done`. If it dies after the call but before `done` (a
 *    timeout, or the DynamoDB update failing), the marker stays `pending`. A
 *    retry that arrives while the lease runs throws `EffectInProgressError` (it
 *    may be a live concurrent duplicate, so we must not act); once the lease has
 *    run out the retry redoes the call. So a publish can happen **at most twice
 *    per crash**, never zero times. Every message carries what a receiver needs
 *    to drop the copy: partner envelopes a `dedupeKey` (`<id>#<rev>#<type>`), the
 *    press job and website release their id + revision, and `send` and
 *    `website-hook` dedupe on the ledger again. If the call itself fails, the
 *    claim is released at once so the retry does not wait for the lease.
 * 2. **Per-recipient sends** (`sent#<rev>#<email>`, ledger/sends.ts): `sending`
 *    with a lease before the SES call, `sent` after. A crash between SES
 *    accepting the mail and the `sent` write can send one journalist a second
 *    copy after the lease; never zero.
 * 3. **Rejected uploads** (`upload#<key>` / `<versionId or eTag>`): the ops
 *    message about a bad file is claimed the same way; the rejected copy and
 *    its errors file are plain overwrites (idempotent by nature).
 * 4. **Withdrawal racing a release.** `release` re-reads the statement head
 *    immediately before publishing. A withdrawal that lands after that read but
 *    before the publishes finish cannot stop them: partners then see
 *    `statement.released` followed by `statement.withdrawn` (both carry
 *    dedupeKeys and timestamps). The window is the few hundred milliseconds of
 *    the release's own publishes (the head is read again after any wait for the
 *    lift); `website-hook` reads the head once more just before its POST, so a
 *    withdrawal that lands while the release is queued never reaches the site.
 *    Likewise `send` re-reads the head after each claim and sends nothing more
 *    of a revision that a correction or withdrawal replaced.
 * 5. **Lost markers are never silent.** A marker that stays `pending` (a crash
 *    on the final retry) is visible in the ledger, and the event that caused it
 *    is in the function's on-failure destination / dead-letter queue, which
 *    alarms; re-driving it resumes the remaining side effects.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isAwsError } from '../errors';

/** The ledger a handler's deps name (its DynamoDB client and table). */
export function ledgerOf(deps: {
  ddb: DynamoDBDocumentClient;
  settings: { tableName: string };
}): Ledger {
  return { ddb: deps.ddb, tableName: deps.settings.tableName };
}

export interface Ledger {
  ddb: DynamoDBDocumentClient;
  tableName: string;
}

/** A ledger item's primary key. */
export interface LedgerKey {
  pk: string;
  sk: string;
}

/** The document client every ledger module expects: drops undefined attributes (optional fields stay absent). */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** Revisions are zero-padded so sort keys order numerically (`rev#0002` < `rev#0010`). */
export function padRevision(revision: number): string {
  return String(revision).padStart(4, '0');
}

export function statementPk(id: string): string {
  return `stmt#${id}`;
}

export const HEAD_SK = 'head';

export function revisionSk(revision: number): string {
  return `rev#${padRevision(revision)}`;
}

/** The delivery tally of one revision's press batches, e.g. `tally#0002` (ledger/tally.ts). */
export function tallySk(revision: number): string {
  return `tally#${padRevision(revision)}`;
}

/** Side-effect marker for one statement revision, e.g. `fx#0002#partners`. */
export function effectSk(revision: number, name: string): string {
  return `fx#${padRevision(revision)}#${name}`;
}

/** Per-recipient send record; email addresses are compared case-insensitively. */
export function sentSk(revision: number, email: string): string {
  return `sent#${padRevision(revision)}#${email.toLowerCase()}`;
}

export function suppressionPk(email: string): string {
  return `suppress#${email.toLowerCase()}`;
}

export const SUPPRESSION_SK = 'suppress';

/** Guards the ops message about a rejected upload; sk is the versionId or eTag. */
export function uploadPk(key: string): string {
  return `upload#${key}`;
}

/** DynamoDB rejected a conditional write (the item was not in the expected state). */
export function isConditionalCheckFailed(err: unknown): boolean {
  return isAwsError(err, 'ConditionalCheckFailedException');
}

/** Every item a strongly consistent query finds, page after page (LastEvaluatedKey). */
export async function* queryItems(
  ledger: Ledger,
  query: Omit<QueryCommandInput, 'TableName' | 'ConsistentRead' | 'ExclusiveStartKey'>,
): AsyncGenerator<Record<string, unknown>> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ledger.ddb.send(
      new QueryCommand({
        ...query,
        TableName: ledger.tableName,
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    yield* page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
