/**
 * The delivery report: one message to ops per revision once every send batch
 * dispatch enqueued has finished, counting what reached the press — emailed,
 * refused by SES, suppressed, replaced by a newer revision — and the emails
 * that may have reached someone twice (a crash or an ambiguous SES answer; see
 * docs/architecture.md, "What can duplicate"). Nothing is counted as lost: a
 * batch that never finishes ends in the send dead-letter queue (with an alarm)
 * instead of in this report.
 *
 * Bookkeeping, in the ledger under the statement: dispatch records how many
 * batches it enqueued (`fx#<rev>#dispatched`), send records each batch it
 * finished (`fx#<rev>#batch-<n>`, with its counts). Whichever finishes last —
 * dispatch or the last batch — sees every batch done and sends the report,
 * once (its own marker, `fx#<rev>#delivery-report`).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { padRevision, statementPk } from './ledger/client';
import {
  type EffectRunner,
  getEffect,
  queryEffects,
  revisionMarker,
  runEffect,
} from './ledger/effects';
import { parseSendItem } from './ledger/sends';
import { opsSubject } from './messages';
import type { Publisher } from './ports';

export interface BatchCounts {
  emailed: number;
  suppressed: number;
  superseded: number;
  rejected: number;
  /** Already sent by an earlier delivery of this batch (a redelivery). */
  already: number;
}

const COUNTS: ReadonlyArray<keyof BatchCounts> = [
  'emailed',
  'suppressed',
  'superseded',
  'rejected',
  'already',
];

/** dispatch: every batch of this revision is enqueued. */
export async function noteDispatched(
  runner: EffectRunner,
  ref: { id: string; revision: number; batches: number; recipients: number; suppressed: number },
): Promise<void> {
  await runEffect(runner, revisionMarker(ref.id, ref.revision, 'dispatched'), async () => ({
    batches: ref.batches,
    recipients: ref.recipients,
    suppressed: ref.suppressed,
  }));
}

/** send: batch `batch` is finished (nothing of it will be retried). */
export async function noteBatchDone(
  runner: EffectRunner,
  ref: { id: string; revision: number; batch: number },
  counts: BatchCounts,
): Promise<void> {
  await runEffect(runner, revisionMarker(ref.id, ref.revision, `batch-${ref.batch}`), async () => ({
    ...counts,
  }));
}

/** Sends the report if dispatch and every batch are done and it has not gone yet. */
export async function reportIfDelivered(
  runner: EffectRunner,
  publisher: Publisher,
  ref: { id: string; revision: number },
): Promise<boolean> {
  const { ledger } = runner;
  const dispatched = await getEffect(ledger, revisionMarker(ref.id, ref.revision, 'dispatched'));
  if (dispatched?.status !== 'done') return false;
  const expected = Number(dispatched.detail?.batches ?? 0);
  const batches = (
    await queryEffects(ledger, statementPk(ref.id), `fx#${padRevision(ref.revision)}#batch-`)
  ).filter((b) => b.status === 'done');
  if (batches.length < expected) return false;

  const totals: BatchCounts = { emailed: 0, suppressed: 0, superseded: 0, rejected: 0, already: 0 };
  for (const b of batches) {
    for (const key of COUNTS) totals[key] += Number(b.detail?.[key] ?? 0);
  }
  totals.suppressed += Number(dispatched.detail?.suppressed ?? 0);
  await runEffect(runner, revisionMarker(ref.id, ref.revision, 'delivery-report'), async () => {
    const sends = await sendCounts(runner, ref);
    const { messageId } = await publisher.publish({
      topic: 'ops',
      subject: opsSubject(`Herald: delivered ${ref.id} r${ref.revision} to the press`),
      body: reportText(ref, Number(dispatched.detail?.recipients ?? 0), totals, sends),
    });
    return { messageId, ...sends };
  });
  return true;
}

async function sendCounts(
  runner: EffectRunner,
  ref: { id: string; revision: number },
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
  ref: { id: string; revision: number },
  selected: number,
  totals: BatchCounts,
  sends: { sent: number; rejected: number; possiblyTwice: number },
): string {
  const lines = [
    `${ref.id} revision ${ref.revision}: every journalist chosen for it has been dealt with.`,
    '',
    `Chosen from the press list and earlier recipients: ${selected}`,
    `Emailed: ${sends.sent}`,
    `Refused by SES (address rejected for good): ${sends.rejected}`,
    `Not emailed, suppressed (unsubscribed, bounced or complained): ${totals.suppressed}`,
    `Not emailed, replaced by a newer revision first: ${totals.superseded}`,
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
