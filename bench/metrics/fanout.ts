/**
 * fanout.throughputRatio, fanout.duplicates, fanout.lost.
 *
 * End to end in this process: the real dispatch handler expands a 2,000-row
 * press list (streamed from s3rver) into SendBatch messages on a LocalQueue
 * (the local stack's SQS stand-in: real SQSEvent shapes, batch size 1 as in
 * the stack, bounded consumer concurrency), and the real send handler builds
 * each journalist's MIME, claims and marks the send in the ledger (dynalite)
 * and calls SendRawEmail on the SES emulator, which runs in its own process.
 *
 * The ceiling is the same emulator taking raw SendRawEmail calls of the same
 * message from the same SDK client at the same total concurrency
 * (queue consumers × the handler's in-flight recipients), in the same run.
 * Pacing is switched off (a very high SEND_RATE_PER_SECOND): in AWS the SES
 * account rate limits, and that is arithmetic (docs/performance.md); here we
 * measure what the pipeline itself costs per email.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SendRawEmailCommand } from '@aws-sdk/client-ses';
import { buildRawMessage } from '../../core/mime';
import { createDispatchHandler } from '../../functions/dispatch/handler';
import { createSendHandler } from '../../functions/send/handler';
import { claimSend, markSent } from '../../functions/shared/ledger/sends';
import { createLogger } from '../../functions/shared/logger';
import { staticSecret } from '../../functions/shared/secrets';
import { LocalQueue } from '../../local/queues';
import { WorkTracker } from '../../local/tracker';
import { journalistEmail, writePressList } from '../fixtures/press-list';
import { type BenchAws, BUCKET, startBenchAws, TABLE, UNSUBSCRIBE_SECRET } from '../lib/aws-env';
import { sqsEvent } from '../lib/invoke';
import { loadSample } from '../lib/sample';
import { putRenderedStatement } from '../lib/statement-fixture';
import { round } from '../lib/stats';
import type { BenchContext, MetricGroup } from '../lib/types';

const SENDER = 'Herald Press Office <press@example.org>';
const PRESS_LIST_KEY = 'lists/press.csv';
/** Send Lambda instances consuming the queue at once (the stack's SQS maxConcurrency at 40/s). */
const QUEUE_CONCURRENCY = 4;
/** Recipients in flight per send invocation: the handler's default maxConcurrency. */
const HANDLER_CONCURRENCY = 5;
const TOTAL_CONCURRENCY = QUEUE_CONCURRENCY * HANDLER_CONCURRENCY;

const ADDRESS = /<([^>]+)>|([^\s<>"]+@[^\s<>"]+)/;

export function addressOf(to: string): string {
  const m = ADDRESS.exec(to);
  return (m?.[1] ?? m?.[2] ?? to).toLowerCase();
}

interface Phase {
  seconds: number;
  /** CPU ms per email in this process (senders, dynalite, s3rver) and in the SES emulator's process. */
  benchCpuPerEmail: number;
  sesCpuPerEmail: number;
}

/** Wall time and CPU of both processes around `work`: which side saturates explains a ratio below 1. */
async function measured<T>(
  aws: BenchAws,
  emails: number,
  work: () => Promise<T>,
): Promise<Phase & { value: T }> {
  const ses0 = await aws.sesEmulator.cpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ses1 = await aws.sesEmulator.cpuMs();
  return {
    value,
    seconds,
    benchCpuPerEmail: (cpu.user + cpu.system) / 1000 / emails,
    sesCpuPerEmail: (ses1 - ses0) / emails,
  };
}

/** Raw SendRawEmail calls with `concurrency` in flight: the emulator's ceiling for this message. */
async function ceiling(
  aws: BenchAws,
  raw: Buffer,
  count: number,
  concurrency: number,
): Promise<Phase & { rate: number }> {
  let next = 0;
  const phase = await measured(aws, count, () =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count)
          await aws.ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
      }),
    ),
  );
  return { ...phase, rate: count / phase.seconds };
}

/**
 * The ledger's share of the per-email CPU: claim + mark-sent for `count`
 * addresses at the same concurrency (SDK client and dynalite, both in this process).
 */
async function ledgerCost(aws: BenchAws, count: number, concurrency: number): Promise<Phase> {
  const ledger = { ddb: aws.ddb, tableName: TABLE };
  let next = 0;
  return measured(aws, count, () =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < count; i = next++) {
          const ref = { id: 'bench-ledger-cost', revision: 1, email: journalistEmail(i) };
          await claimSend(ledger, { ...ref, now: new Date(), leaseMs: 300_000 });
          await markSent(ledger, { ...ref, sesMessageId: `bench-${i}`, now: new Date() });
        }
      }),
    ),
  );
}

const cpuNote = (p: Phase) =>
  `CPU/email: bench process ${p.benchCpuPerEmail.toFixed(2)} ms, SES emulator ${p.sesCpuPerEmail.toFixed(2)} ms`;

async function endToEnd(ctx: BenchContext, aws: BenchAws, id: string, rows: number) {
  const sample = await loadSample(ctx.root);
  const fixture = await putRenderedStatement(aws, sample, id);
  const list = await writePressList(join(ctx.tmpDir, `fanout-${rows}.csv`), rows);
  await aws.put(PRESS_LIST_KEY, await readFile(list.file));

  // Handler logs would interleave with the report; the Lambdas log at INFO (a small per-recipient cost not counted here).
  const logger = createLogger({ logLevel: 'SILENT' });
  const tracker = new WorkTracker();
  const deadLetters: string[] = [];
  const send = createSendHandler({
    s3: aws.s3,
    ses: aws.ses,
    ddb: aws.ddb,
    logger,
    clock: () => new Date(),
    sleep: (ms) => delay(ms),
    unsubscribeSecret: staticSecret(UNSUBSCRIBE_SECRET),
    settings: {
      bucket: BUCKET,
      tableName: TABLE,
      from: SENDER,
      unsubscribeBaseUrl: 'https://unsubscribe.example.org/u',
      ratePerSecond: 1_000_000,
      maxConcurrency: HANDLER_CONCURRENCY,
    },
  });
  const sendQueue = new LocalQueue({
    name: 'send',
    consumer: send,
    tracker,
    batchSize: 1,
    concurrency: QUEUE_CONCURRENCY,
    deadLetter: async (letter) => {
      deadLetters.push(letter.reason);
    },
  });
  let batches = 0;
  const dispatch = createDispatchHandler({
    s3: aws.s3,
    ddb: aws.ddb,
    queue: {
      sendBatch: async (_queue, bodies) => {
        batches += bodies.length;
        sendQueue.send(bodies);
      },
    },
    publisher: { publish: async () => ({ messageId: 'bench' }) },
    logger,
    settings: { bucket: BUCKET, tableName: TABLE, pressListKey: PRESS_LIST_KEY },
  });

  const job = {
    id: fixture.id,
    revision: fixture.revision,
    type: 'published',
    emailKey: fixture.emailKey,
  };
  let dispatchedMs = 0;
  const phase = await measured(aws, rows, async () => {
    const t0 = performance.now();
    const out = await dispatch(sqsEvent([JSON.stringify(job)]) as Parameters<typeof dispatch>[0]);
    dispatchedMs = performance.now() - t0;
    await tracker.idle();
    return out;
  });
  const result = phase.value;
  sendQueue.stop();
  if (result.batchItemFailures.length > 0) throw new Error('dispatch failed the press job');
  const failures = tracker.takeFailures();
  if (failures.length > 0) throw new Error(`local queue plumbing failed: ${String(failures[0])}`);
  return { phase, seconds: phase.seconds, dispatchedMs, batches, deadLetters };
}

export const fanoutGroup: MetricGroup = {
  id: 'fanout',
  title: 'fanout: dispatch → queue → send → SES emulator vs the emulator ceiling',
  async run(ctx) {
    const rows = ctx.quick ? 200 : 2_000;
    const aws = await startBenchAws(ctx, 'fanout');
    try {
      const sample = await loadSample(ctx.root);
      const fixture = await putRenderedStatement(aws, sample, 'bench-fanout-ceiling');
      const raw = await buildRawMessage(
        fixture.rendered.email,
        { email: 'ceiling@press.example.com', name: 'Ceiling' },
        {
          from: SENDER,
          unsubscribeUrl: 'https://unsubscribe.example.org/u?t=ceiling',
          date: sample.now,
        },
      );
      // Warm the emulator (JIT, mailparser) so neither measurement pays for it.
      await ceiling(aws, raw, Math.min(200, rows), TOTAL_CONCURRENCY);
      // Ceiling before and after the end-to-end run: the emulator's rate drifts run to run (GC, store size).
      const before = await ceiling(aws, raw, rows, TOTAL_CONCURRENCY);
      await aws.sesEmulator.clear();
      const e2e = await endToEnd(ctx, aws, 'bench-fanout', rows);
      const stored = await aws.sesEmulator.emails();
      await aws.sesEmulator.clear();
      const after = await ceiling(aws, raw, rows, TOTAL_CONCURRENCY);
      const ceilingRate = (before.rate + after.rate) / 2;
      const ledger = await ledgerCost(aws, rows, TOTAL_CONCURRENCY);

      const expected = new Set(Array.from({ length: rows }, (_, i) => journalistEmail(i)));
      const seen = new Map<string, number>();
      for (const email of stored) {
        for (const to of email.destination.to) {
          const address = addressOf(to);
          seen.set(address, (seen.get(address) ?? 0) + 1);
        }
      }
      let duplicates = 0;
      let unexpected = 0;
      for (const [address, count] of seen) {
        if (count > 1) duplicates += count - 1;
        if (!expected.has(address)) unexpected += count;
      }
      const lost = [...expected].filter((a) => !seen.has(a)).length;
      const delivered = stored.length;
      const rate = delivered / e2e.seconds;
      ctx.log(
        `fanout: ${delivered} emails in ${e2e.seconds.toFixed(2)} s = ${rate.toFixed(0)}/s; ceiling ${ceilingRate.toFixed(0)}/s; dispatch ${e2e.dispatchedMs.toFixed(0)} ms`,
      );
      const note = `${rows.toLocaleString('en-GB')} journalists, ${e2e.batches} batches; ${rate.toFixed(0)} emails/s end to end vs ${ceilingRate.toFixed(0)}/s raw SendRawEmail (${before.rate.toFixed(0)} before, ${after.rate.toFixed(0)} after), all at ${TOTAL_CONCURRENCY} in flight (${QUEUE_CONCURRENCY} consumers × ${HANDLER_CONCURRENCY}); dispatch took ${e2e.dispatchedMs.toFixed(0)} ms. End to end ${cpuNote(e2e.phase)}; ceiling ${cpuNote(before)}; ledger claim + mark-sent alone (SDK + dynalite): ${ledger.benchCpuPerEmail.toFixed(2)} ms/email${e2e.deadLetters.length ? `; ${e2e.deadLetters.length} dead letters: ${e2e.deadLetters[0]}` : ''}${unexpected ? `; ${unexpected} emails to unexpected addresses` : ''}`;
      return [
        {
          name: 'fanout.throughputRatio',
          value: round(rate / ceilingRate, 2),
          unit: 'x',
          floor: round(ceilingRate, 0),
          floorUnit: 'emails/s ceiling',
          note,
        },
        { name: 'fanout.duplicates', value: duplicates, unit: 'emails' },
        { name: 'fanout.lost', value: lost, unit: 'emails' },
      ];
    } finally {
      await aws.stop();
    }
  },
};
