/**
 * Per-recipient send records (`stmt#<id>` / `sent#<rev>#<email lower-case>`):
 * `sending` with a lease before the SES call, `sent` with the SES message id
 * after it, or `rejected` when SES refused the address for good.
 *
 * ## The at-least-once windows (why "maybe sent" means "send again")
 *
 * SES's SendRawEmail has no idempotency key, so two situations leave Herald not
 * knowing whether a journalist got the email:
 *
 * 1. A crash after SES accepted a message but before `markSent` (timeout, a
 *    failed DynamoDB write): the record stays `sending`; once its lease has run
 *    out the next attempt takes the claim over (`attempts` > 1) and sends again.
 * 2. An ambiguous answer from SES: a 5xx, a timeout or a dropped connection after
 *    the request went out. The message may have been accepted. The claim is kept
 *    and marked (`ambiguous` counts these answers) and the send is retried.
 *
 * Both can give that journalist a second copy; both are counted (a send with
 * `attempts` > 1 or `ambiguous` > 0 is a possible duplicate, shown by
 * `herald status`). The alternative (treat "maybe sent" as sent) would silently
 * lose the email whenever SES had not taken it, which is the more likely case.
 * A duplicate embargoed email is an annoyance; a journalist who never hears
 * about a statement is a failure of the product. An answer that proves SES did
 * not take the message (Throttling, any other 4xx) gives the claim back: no
 * duplicate is possible from those.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { HeraldError } from '../../../core/errors';
import { LedgerItemError } from '../errors';
import '../zod-mini';
import { isConditionalCheckFailed, type Ledger, queryItems, sentSk, statementPk } from './client';

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

const sendItemSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  status: z.enum(['sending', 'sent', 'rejected']),
  email: z.exactOptional(z.string()),
  revision: z.exactOptional(z.number()),
  leaseUntil: z.exactOptional(z.number()),
  claimedAt: z.exactOptional(z.string()),
  attempts: z.exactOptional(z.number()),
  ambiguous: z.exactOptional(z.number()),
  sentAt: z.exactOptional(z.string()),
  sesMessageId: z.exactOptional(z.string()),
  rejectedAt: z.exactOptional(z.string()),
  reason: z.exactOptional(z.string()),
});

/** A per-recipient send record as this module writes it. */
export type SendItem = z.infer<typeof sendItemSchema>;

export function parseSendItem(item: Record<string, unknown>): SendItem {
  const result = sendItemSchema.safeParse(item);
  if (!result.success) throw LedgerItemError.from('send', item, result.error.issues);
  return result.data;
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
    if (existing.Item === undefined) continue;
    const item = parseSendItem(existing.Item);
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
  await updateWhileSending(
    ledger,
    ref,
    'SET #status = :rejected, reason = :reason, rejectedAt = :at REMOVE leaseUntil',
    { ':rejected': 'rejected', ':reason': ref.reason.slice(0, 1000), ':at': ref.now.toISOString() },
  );
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

/** SES answered ambiguously (it may have accepted the message): count it on the claim. */
export async function markAmbiguous(ledger: Ledger, ref: SendRef): Promise<void> {
  await updateWhileSending(ledger, ref, 'ADD ambiguous :one', { ':one': 1 });
}

/**
 * Gives up this attempt after an ambiguous answer: the claim stays (with its count) but
 * lapses now, so SQS's redelivery takes it over at once and sends again.
 */
export async function expireSendClaim(ledger: Ledger, ref: SendRef): Promise<void> {
  await updateWhileSending(ledger, ref, 'SET leaseUntil = :zero', { ':zero': 0 });
}

async function updateWhileSending(
  ledger: Ledger,
  ref: SendRef,
  expression: string,
  values: Record<string, unknown>,
): Promise<void> {
  try {
    await ledger.ddb.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: key(ref),
        UpdateExpression: expression,
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...values, ':sending': 'sending' },
      }),
    );
  } catch (err) {
    // Already `sent` (a concurrent copy) or `rejected`: that outcome stands.
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

/**
 * Of `emails`, those with a send of an earlier revision (before `revision`) still in
 * flight: a correction or kill notice must not overtake the email it corrects.
 */
export async function inFlightEarlier(
  ledger: Ledger,
  ref: { id: string; revision: number; emails: readonly string[]; now: Date },
): Promise<Set<string>> {
  const busy = new Set<string>();
  const keys: Array<{ pk: string; sk: string }> = [];
  for (const email of new Set(ref.emails.map((e) => e.toLowerCase()))) {
    for (let revision = 1; revision < ref.revision; revision++) {
      keys.push(key({ id: ref.id, revision, email }));
    }
  }
  for (let i = 0; i < keys.length; i += 100) {
    let batch: Record<string, unknown>[] = keys.slice(i, i + 100);
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt >= 6) {
        throw new SendLedgerError(`DynamoDB left ${batch.length} send lookups unprocessed.`);
      }
      const out = await ledger.ddb.send(
        new BatchGetCommand({
          RequestItems: { [ledger.tableName]: { Keys: batch, ConsistentRead: true } },
        }),
      );
      for (const raw of out.Responses?.[ledger.tableName] ?? []) {
        const item = parseSendItem(raw);
        if (item.status === 'sending' && (item.leaseUntil ?? 0) > ref.now.getTime()) {
          const email = emailOf(item);
          if (email) busy.add(email);
        }
      }
      batch = out.UnprocessedKeys?.[ledger.tableName]?.Keys ?? [];
    }
  }
  return busy;
}

/**
 * Everyone who received, or may have received, any revision of the statement
 * (distinct, lower-case): the audience of a correction or withdrawal. A claim
 * still `sending` counts: SES may already have accepted that message (a send in
 * flight, or a crash before `sent` was written), and a kill notice to someone
 * who did not get the original is harmless while a missing one is not. Read with
 * strong consistency: a journalist claimed just before the head moved is included.
 */
export async function recipientsOf(ledger: Ledger, id: string): Promise<string[]> {
  const emails = new Set<string>();
  const query = {
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
  };
  for await (const item of queryItems(ledger, query)) {
    const email = emailOf(item);
    if (email) emails.add(email);
  }
  return [...emails];
}

/** The `email` attribute, or the sk after `sent#<rev>#` (addresses may contain `#`). */
function emailOf(item: { email?: unknown; sk?: unknown }): string | null {
  if (typeof item.email === 'string' && item.email !== '') return item.email.toLowerCase();
  if (typeof item.sk !== 'string') return null;
  const second = item.sk.indexOf('#', 'sent#'.length);
  const rest = second === -1 ? '' : item.sk.slice(second + 1);
  return rest === '' ? null : rest;
}
