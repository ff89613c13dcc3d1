/**
 * The delivery report: one message to ops per revision once every send batch
 * dispatch enqueued has finished, counting what reached the press — emailed,
 * refused by SES, suppressed, replaced by a newer revision — and the emails
 * that may have reached someone twice (a crash or an ambiguous SES answer; see
 * docs/architecture.md, "What can duplicate"). Nothing is counted as lost: a
 * batch that never finishes ends in the send dead-letter queue (with an alarm)
 * instead of in this report.
 *
 * Bookkeeping: the revision's delivery tally in the ledger (ledger/tally.ts).
 * Dispatch records how many batches it enqueued, send adds each batch it
 * finished, with its counts, in one conditional update. Whichever of them
 * completes the tally sends the report, once (its own marker,
 * `fx#<rev>#delivery-report`).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { padRevision, statementPk } from './ledger/client';
import { type EffectRunner, revisionMarker, runEffect } from './ledger/effects';
import { parseSendItem } from './ledger/sends';
import {
  type BatchCounts,
  type DeliveryTally,
  isDelivered,
  recordBatchDone,
  recordDispatched,
} from './ledger/tally';
import { opsSubject } from './messages';
import type { Publisher } from './ports';

export type { BatchCounts } from './ledger/tally';

interface RevisionRef {
  id: string;
  revision: number;
}

/** dispatch: every batch of this revision is enqueued; reports now if they are all done. */
export async function noteDispatched(
  runner: EffectRunner,
  publisher: Publisher,
  ref: RevisionRef & { batches: number; recipients: number; suppressed: number },
): Promise<void> {
  const tally = await recordDispatched(runner.ledger, ref, runner.clock());
  await reportIfDelivered(runner, publisher, ref, tally);
}

/** send: batch `batch` is finished (nothing of it will be retried); reports if it was the last. */
export async function noteBatchDone(
  runner: EffectRunner,
  publisher: Publisher,
  ref: RevisionRef & { batch: number },
  counts: BatchCounts,
): Promise<void> {
  const tally = await recordBatchDone(runner.ledger, ref, counts, runner.clock());
  await reportIfDelivered(runner, publisher, ref, tally);
}

/** Sends the report if the tally is complete and it has not gone yet. */
async function reportIfDelivered(
  runner: EffectRunner,
  publisher: Publisher,
  ref: RevisionRef,
  tally: DeliveryTally,
): Promise<void> {
  if (!isDelivered(tally)) return;
  await runEffect(runner, revisionMarker(ref.id, ref.revision, 'delivery-report'), async () => {
    const sends = await sendCounts(runner, ref);
    const { messageId } = await publisher.publish({
      topic: 'ops',
      subject: opsSubject(`Herald: delivered ${ref.id} r${ref.revision} to the press`),
      body: reportText(ref, tally, sends),
    });
    return { messageId, ...sends };
  });
}

async function sendCounts(
  runner: EffectRunner,
  ref: RevisionRef,
): Promise<{ sent: number; rejected: number; possiblyTwice: number }> {
  const counts = { sent: 0, rejected: 0, possiblyTwice: 0 };
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await runner.ledger.ddb.send(
      new QueryCommand({
        TableName: runner.ledger.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': statementPk(ref.id),
          ':prefix': `sent#${padRevision(ref.revision)}#`,
        },
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const raw of page.Items ?? []) {
      const item = parseSendItem(raw);
      if (item.status === 'sent') counts.sent += 1;
      if (item.status === 'rejected') counts.rejected += 1;
      if ((item.attempts ?? 1) > 1 || (item.ambiguous ?? 0) > 0) counts.possiblyTwice += 1;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return counts;
}

function reportText(
  ref: RevisionRef,
  tally: DeliveryTally,
  sends: { sent: number; rejected: number; possiblyTwice: number },
): string {
  const selected = tally.recipients ?? 0;
  const suppressed = tally.suppressed + (tally.dispatchSuppressed ?? 0);
  const lines = [
    `${ref.id} revision ${ref.revision}: every journalist chosen for it has been dealt with.`,
    '',
    `Chosen from the press list and earlier recipients: ${selected}`,
    `Emailed: ${sends.sent}`,
    `Refused by SES (address rejected for good): ${sends.rejected}`,
    `Not emailed, suppressed (unsubscribed, bounced or complained): ${suppressed}`,
    `Not emailed, replaced by a newer revision first: ${tally.superseded}`,
    `Possibly emailed twice (a crash or an ambiguous SES answer before the send was recorded): ${sends.possiblyTwice}`,
    'Lost: 0 (a journalist who could not be emailed after retries is in the send dead-letter queue, which alarms)',
  ];
  if (selected === 0) {
    lines.push(
      '',
      "WARNING: nobody was emailed. No journalist on the press list follows the statement's topics, the list is empty, or (for a correction or withdrawal) nobody had been sent the statement.",
    );
  }
  return lines.join('\n');
}
