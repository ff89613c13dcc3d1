/**
 * Per-recipient send records (`stmt#<id>` / `sent#<rev>#<email lower-case>`):
 * `sending` with a lease before the SES call, `sent` with the SES message id
 * after it, or `rejected` when SES refused the address for good.
 *
 * ## The at-least-once window (why an expired lease means "send again")
 *
 * If the function dies after SES accepted a message but before `markSent`
 * (timeout, crash, a failed DynamoDB write), the record stays `sending`. We
 * cannot ask SES whether it sent it, so once the lease has run out the next
 * attempt takes the claim over and sends again: that journalist may get a
 * second copy. The alternative (treat a stale `sending` as sent) would silently
 * lose the email whenever the crash came *before* SES accepted it, which is
 * the more likely case (SES calls fail far more often than a DynamoDB update
 * right after a success). A duplicate embargoed email is an annoyance; a
 * journalist who never hears about a statement is a failure of the product.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { HeraldError } from '../../../core/errors';
import { isConditionalCheckFailed, type Ledger, sentSk, statementPk } from './client';

export type SendStatus = 'sending' | 'sent' | 'rejected';

/**
 * `claimed`: go ahead and send. `already-sent`: a previous delivery sent it.
 * `in-progress`: another invocation holds a live lease (retry later).
 * `rejected`: SES refused this address permanently for this revision; do not retry.
 */
export type ClaimOutcome = 'claimed' | 'already-sent' | 'in-progress' | 'rejected';

export interface SendRef {
  id: string;
  revision: number;
  email: string;
}

export class SendLedgerError extends HeraldError {
  override name = 'SendLedgerError';
}

interface SendItem {
  status?: SendStatus;
  leaseUntil?: number;
}

function key(ref: SendRef) {
  return { pk: statementPk(ref.id), sk: sentSk(ref.revision, ref.email) };
}

/**
 * Claims one recipient's send with a conditional write. An expired `sending`
 * lease is taken over with a conditional update on the old `leaseUntil`, so two
 * retries racing for the same stale claim cannot both win.
 */
export async function claimSend(
  ledger: Ledger,
  ref: SendRef & { now: Date; leaseMs: number },
): Promise<ClaimOutcome> {
  const now = ref.now.getTime();
  const leaseUntil = now + ref.leaseMs;
  // Two passes cover a claim released between our failed put and our read.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await ledger.ddb.send(
        new PutCommand({
          TableName: ledger.tableName,
          Item: {
            ...key(ref),
            status: 'sending',
            email: ref.email.toLowerCase(),
            revision: ref.revision,
            leaseUntil,
            claimedAt: ref.now.toISOString(),
            attempts: 1,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'claimed';
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    const existing = await ledger.ddb.send(
      new GetCommand({ TableName: ledger.tableName, Key: key(ref), ConsistentRead: true }),
    );
    const item = existing.Item as SendItem | undefined;
    if (item === undefined) continue;
    if (item.status === 'sent') return 'already-sent';
    if (item.status === 'rejected') return 'rejected';
    const old = item.leaseUntil ?? 0;
    if (old > now) return 'in-progress';
    try {
      await ledger.ddb.send(
        new UpdateCommand({
          TableName: ledger.tableName,
          Key: key(ref),
          UpdateExpression: 'SET leaseUntil = :lease, claimedAt = :at ADD attempts :one',
          ConditionExpression: '#status = :sending AND leaseUntil = :old',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':lease': leaseUntil,
            ':at': ref.now.toISOString(),
            ':one': 1,
            ':sending': 'sending',
            ':old': old,
          },
        }),
      );
      return 'claimed';
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      // Someone else took it over (or finished) between our read and our update.
      return 'in-progress';
    }
  }
  throw new SendLedgerError(
    `Could not claim ${key(ref).sk} for ${ref.id}: the record kept changing.`,
  );
}

/** Records SES's acceptance. Unconditional: whoever sent last wins, both are `sent`. */
export async function markSent(
  ledger: Ledger,
  ref: SendRef & { sesMessageId: string; now: Date },
): Promise<void> {
  await ledger.ddb.send(
    new UpdateCommand({
      TableName: ledger.tableName,
      Key: key(ref),
      UpdateExpression:
        'SET #status = :sent, sesMessageId = :mid, sentAt = :at, email = :email, revision = :rev REMOVE leaseUntil',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':sent': 'sent',
        ':mid': ref.sesMessageId,
        ':at': ref.now.toISOString(),
        ':email': ref.email.toLowerCase(),
        ':rev': ref.revision,
      },
    }),
  );
}

/** SES refused the address (MessageRejected): remember it so redeliveries do not retry forever. */
export async function markRejected(
  ledger: Ledger,
  ref: SendRef & { reason: string; now: Date },
): Promise<void> {
  try {
    await ledger.ddb.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: key(ref),
        UpdateExpression:
          'SET #status = :rejected, reason = :reason, rejectedAt = :at REMOVE leaseUntil',
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':rejected': 'rejected',
          ':sending': 'sending',
          ':reason': ref.reason.slice(0, 1000),
          ':at': ref.now.toISOString(),
        },
      }),
    );
  } catch (err) {
    // Already `sent` by a concurrent copy: that outcome stands.
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

/**
 * Gives a claim back after SES definitely did not take the message (throttled,
 * refused the request), so the SQS retry can claim at once instead of waiting
 * for the lease. Never deletes a `sent` or `rejected` record.
 */
export async function releaseSendClaim(ledger: Ledger, ref: SendRef): Promise<void> {
  try {
    await ledger.ddb.send(
      new DeleteCommand({
        TableName: ledger.tableName,
        Key: key(ref),
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sending': 'sending' },
      }),
    );
  } catch (err) {
    // Already `sent` or `rejected`: nothing to give back.
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

/**
 * Everyone who received, or may have received, any revision of the statement
 * (distinct, lower-case): the audience of a correction or withdrawal. A claim
 * still `sending` counts: SES may already have accepted that message (a send in
 * flight, or a crash before `sent` was written), and a kill notice to someone
 * who did not get the original is harmless while a missing one is not.
 */
export async function recipientsOf(ledger: Ledger, id: string): Promise<string[]> {
  const emails = new Set<string>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ledger.ddb.send(
      new QueryCommand({
        TableName: ledger.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#status = :sent OR #status = :sending',
        ProjectionExpression: 'sk, email',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': statementPk(id),
          ':prefix': 'sent#',
          ':sent': 'sent',
          ':sending': 'sending',
        },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const email = emailOf(item);
      if (email) emails.add(email);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return [...emails];
}

/** The `email` attribute, or the sk after `sent#<rev>#` (addresses may contain `#`). */
function emailOf(item: Record<string, unknown>): string | null {
  if (typeof item.email === 'string' && item.email !== '') return item.email.toLowerCase();
  if (typeof item.sk !== 'string') return null;
  const second = item.sk.indexOf('#', 'sent#'.length);
  const rest = second === -1 ? '' : item.sk.slice(second + 1);
  return rest === '' ? null : rest;
}
