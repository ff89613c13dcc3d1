/**
 * The delivery tally of one revision (`stmt#<id>` / `tally#<rev>`): how many
 * press batches dispatch enqueued, which of them send has finished, and what
 * they counted. The delivery report (../delivery-report.ts) goes out when the
 * two meet.
 *
 * One item, one conditional UpdateItem per finished batch: the batch number is
 * appended to `batchesDone` and its counts added only if the number is not
 * there yet, so a redelivered batch is never counted twice, and the update
 * returns the whole tally, so the batch learns in the same round trip whether
 * it was the last. (A marker per batch plus a read of dispatch's marker took
 * three or four round trips per batch; docs/performance.md.) Updates of one
 * item are serialised, so exactly one of dispatch and the last batch sees the
 * tally complete; the report's own side-effect marker makes it once even if
 * both did, or a crash repeats it.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { LedgerItemError } from '../errors';
import '../zod-mini';
import { isConditionalCheckFailed, type Ledger, statementPk, tallySk } from './client';

/** What send counts per batch for the report. */
export interface BatchCounts {
  emailed: number;
  suppressed: number;
  superseded: number;
  rejected: number;
  /** Already sent by an earlier delivery of this batch (a redelivery). */
  already: number;
}

const BATCH_COUNT_NAMES: ReadonlyArray<keyof BatchCounts> = [
  'emailed',
  'suppressed',
  'superseded',
  'rejected',
  'already',
];

export interface DeliveryTally extends BatchCounts {
  revision: number;
  /** Numbers of the batches send has finished. */
  batchesDone: number[];
  /** Set by dispatch once every batch is enqueued: how many there are. */
  expectedBatches?: number;
  /** Journalists dispatch chose, and how many of them it left out as suppressed. */
  recipients?: number;
  dispatchSuppressed?: number;
}

const count = z._default(z.number(), 0);
const tallySchema = z.object({
  revision: z.number(),
  batchesDone: z._default(z.array(z.number()), []),
  emailed: count,
  suppressed: count,
  superseded: count,
  rejected: count,
  already: count,
  expectedBatches: z.optional(z.number()),
  recipients: z.optional(z.number()),
  dispatchSuppressed: z.optional(z.number()),
});

/** Parses a tally item as this module writes it (also for `herald status`). */
export function parseTallyItem(item: Record<string, unknown>): DeliveryTally {
  const result = tallySchema.safeParse(item);
  if (!result.success) throw LedgerItemError.from('delivery tally', item, result.error.issues);
  const { expectedBatches, recipients, dispatchSuppressed, ...rest } = result.data;
  return {
    ...rest,
    ...(expectedBatches === undefined ? {} : { expectedBatches }),
    ...(recipients === undefined ? {} : { recipients }),
    ...(dispatchSuppressed === undefined ? {} : { dispatchSuppressed }),
  };
}

/** Dispatch has enqueued every batch, and send has finished each of them. */
export function isDelivered(tally: DeliveryTally): boolean {
  return (
    tally.expectedBatches !== undefined && new Set(tally.batchesDone).size >= tally.expectedBatches
  );
}

interface RevisionRef {
  id: string;
  revision: number;
}

const keyOf = (ref: RevisionRef) => ({ pk: statementPk(ref.id), sk: tallySk(ref.revision) });

async function readTally(ledger: Ledger, ref: RevisionRef): Promise<DeliveryTally> {
  const out = await ledger.ddb.send(
    new GetCommand({ TableName: ledger.tableName, Key: keyOf(ref), ConsistentRead: true }),
  );
  return parseTallyItem(out.Item ?? { revision: ref.revision });
}

/**
 * send: batch `ref.batch` is finished (nothing of it will be retried). Counts it
 * once, however often it is delivered, and returns the tally after it.
 */
export async function recordBatchDone(
  ledger: Ledger,
  ref: RevisionRef & { batch: number },
  counts: BatchCounts,
  now: Date,
): Promise<DeliveryTally> {
  try {
    const out = await ledger.ddb.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: keyOf(ref),
        UpdateExpression: `SET batchesDone = list_append(if_not_exists(batchesDone, :none), :batch), revision = :revision, updatedAt = :now ADD ${BATCH_COUNT_NAMES.map((name) => `${name} :${name}`).join(', ')}`,
        ConditionExpression: 'NOT contains(batchesDone, :batchNumber)',
        ExpressionAttributeValues: {
          ':none': [],
          ':batch': [ref.batch],
          ':batchNumber': ref.batch,
          ':revision': ref.revision,
          ':now': now.toISOString(),
          ...Object.fromEntries(BATCH_COUNT_NAMES.map((name) => [`:${name}`, counts[name]])),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return parseTallyItem(out.Attributes ?? { revision: ref.revision });
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    // Counted by an earlier delivery of this batch.
    return readTally(ledger, ref);
  }
}

/**
 * dispatch: every batch of the revision is enqueued. The first record wins (a
 * redelivered press job finds the same batches); returns the tally after it.
 */
export async function recordDispatched(
  ledger: Ledger,
  ref: RevisionRef & { batches: number; recipients: number; suppressed: number },
  now: Date,
): Promise<DeliveryTally> {
  const out = await ledger.ddb.send(
    new UpdateCommand({
      TableName: ledger.tableName,
      Key: keyOf(ref),
      UpdateExpression:
        'SET expectedBatches = if_not_exists(expectedBatches, :batches), recipients = if_not_exists(recipients, :recipients), dispatchSuppressed = if_not_exists(dispatchSuppressed, :suppressed), dispatchedAt = if_not_exists(dispatchedAt, :now), revision = :revision',
      ExpressionAttributeValues: {
        ':batches': ref.batches,
        ':recipients': ref.recipients,
        ':suppressed': ref.suppressed,
        ':now': now.toISOString(),
        ':revision': ref.revision,
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return parseTallyItem(out.Attributes ?? { revision: ref.revision });
}
