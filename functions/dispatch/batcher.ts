/**
 * Recipients in, SendBatch messages out: candidates are checked against the
 * suppression list 100 at a time, survivors fill batches of 50 in order, and
 * full batches are enqueued 10 at a time (one SQS SendMessageBatch call).
 */
import { normaliseEmail } from '../../core/press-list';
import type { Recipient } from '../../core/types';
import { ledgerOf } from '../shared/ledger/client';
import { suppressedAmong } from '../shared/ledger/suppression';
import { type PressJob, SEND_BATCH_SIZE, type SendBatch } from '../shared/messages';
import type { DispatchDeps } from './handler';

/** Addresses per suppression check: one DynamoDB BatchGetItem (at most 100 keys). */
const SCREEN_SIZE = 100;

/** SendBatch messages per enqueue call: SQS SendMessageBatch takes 10 entries. */
const ENQUEUE_EVERY = 10;

export interface BatchTotals {
  recipients: number;
  batches: number;
  suppressed: number;
}

export interface Batcher {
  add(recipient: Recipient): Promise<void>;
  /** Screens, seals and enqueues what is left. */
  finish(): Promise<BatchTotals>;
}

export function createBatcher(deps: DispatchDeps, job: PressJob): Batcher {
  let candidates: Recipient[] = [];
  let ready: Recipient[] = [];
  let bodies: string[] = [];
  const totals: BatchTotals = { recipients: 0, batches: 0, suppressed: 0 };
  let sealed = 0;

  const seal = () => {
    sealed += 1;
    const batch: SendBatch = {
      id: job.id,
      revision: job.revision,
      type: job.type,
      batch: sealed,
      emailKey: job.emailKey,
      recipients: ready,
    };
    bodies.push(JSON.stringify(batch));
    totals.recipients += ready.length;
    ready = [];
  };
  const flush = async () => {
    if (bodies.length === 0) return;
    const sending = bodies;
    bodies = [];
    await deps.queue.sendBatch('send', sending);
    totals.batches += sending.length;
  };
  const screen = async () => {
    if (candidates.length === 0) return;
    const checking = candidates;
    candidates = [];
    const found = await suppressedAmong(
      ledgerOf(deps),
      checking.map((r) => r.email),
      job.type === 'withdrawn' ? { ignore: ['unsubscribe'] } : {},
    );
    for (const recipient of checking) {
      if (found.has(normaliseEmail(recipient.email))) {
        totals.suppressed += 1;
        continue;
      }
      ready.push(recipient);
      if (ready.length === SEND_BATCH_SIZE) seal();
      if (bodies.length === ENQUEUE_EVERY) await flush();
    }
  };

  return {
    async add(recipient) {
      candidates.push(recipient);
      if (candidates.length >= SCREEN_SIZE) await screen();
    },
    async finish() {
      await screen();
      if (ready.length > 0) seal();
      await flush();
      return { ...totals };
    },
  };
}
