/**
 * fanout.cpuPerEmailRatio, fanout.duplicates, fanout.lost (and
 * fanout.throughputRatio, for information).
 *
 * End to end in this process: the real dispatch handler expands a 2,000-row
 * press list (streamed from s3rver) into SendBatch messages on a LocalQueue
 * (the local stack's SQS stand-in: real SQSEvent shapes, batch size 1 as in
 * the stack, bounded consumer concurrency), and the real send handler builds
 * each journalist's MIME, claims and marks the send in the ledger (dynalite)
 * and calls SendRawEmail on the SES emulator, which runs in its own process.
 *
 * The floor is the work the design requires per email and nothing else: the
 * conditional claim Put, SendRawEmail of the same message and the mark-sent
 * Update (functions/shared/ledger/sends), on the same emulators from the same
 * SDK clients at the same total concurrency (queue consumers × the handler's
 * in-flight recipients), in the same run, before and after the end-to-end run.
 * The ratio is of CPU time per email (this process, which hosts dynalite and
 * s3rver, plus the SES emulator's process): on a shared machine wall time says
 * more about the neighbours than about Herald. Pacing is switched off (a very high SEND_RATE_PER_SECOND): in AWS the SES
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
import { getHead } from '../../functions/shared/ledger/statements';
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

/**
 * The floor: per email, the claim Put, SendRawEmail and the mark-sent Update,
 * with `concurrency` emails in flight.
 */
async function floorPhase(
  aws: BenchAws,
  raw: Buffer,
  id: string,
  count: number,
  concurrency: number,
  withHeadRead = false,
): Promise<Phase & { rate: number }> {
  const ledger = { ddb: aws.ddb, tableName: TABLE };
  let next = 0;
  const phase = await measured(aws, count, () =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < count; i = next++) {
          const ref = { id, revision: 1, email: journalistEmail(i) };
          if (
            (await claimSend(ledger, { ...ref, now: new Date(), leaseMs: 300_000 })) !== 'claimed'
          ) {
            throw new Error(`floor: ${ref.email} was already claimed`);
          }
          // send's check that no newer revision replaced this one (not in the floor by default).
          if (withHeadRead) await getHead(ledger, id);
          const out = await aws.ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
          await markSent(ledger, { ...ref, sesMessageId: out.MessageId ?? '', now: new Date() });
        }
      }),
    ),
  );
  return { ...phase, rate: count / phase.seconds };
}

const totalCpu = (p: Phase) => p.benchCpuPerEmail + p.sesCpuPerEmail;

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
  title: 'fanout: dispatch → queue → send → SES emulator, CPU per email vs claim + send + mark',
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
      // Warm the emulator and the code paths (JIT, mailparser) so neither side pays for it.
      await floorPhase(aws, raw, 'bench-fanout-warm', Math.min(200, rows), TOTAL_CONCURRENCY);
      await aws.sesEmulator.clear();
      // Floor before and after the end-to-end run: the machine's load drifts during a run.
      const before = await floorPhase(aws, raw, 'bench-fanout-floor-1', rows, TOTAL_CONCURRENCY);
      await aws.sesEmulator.clear();
      const e2e = await endToEnd(ctx, aws, 'bench-fanout', rows);
      const stored = await aws.sesEmulator.emails();
      await aws.sesEmulator.clear();
      const after = await floorPhase(aws, raw, 'bench-fanout-floor-2', rows, TOTAL_CONCURRENCY);
      await aws.sesEmulator.clear();
      const floorCpu = (totalCpu(before) + totalCpu(after)) / 2;
      // Data for the floor's definition: the same floor plus the head read send makes per recipient.
      const withHead = ctx.quick
        ? null
        : await floorPhase(aws, raw, 'bench-fanout-floor-3', rows, TOTAL_CONCURRENCY, true);
      await aws.sesEmulator.clear();
      const floorRate = (before.rate + after.rate) / 2;

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
      const cpu = totalCpu(e2e.phase);
      ctx.log(
        `fanout: ${delivered} emails, ${cpu.toFixed(2)} ms CPU each vs floor ${floorCpu.toFixed(2)}; ${rate.toFixed(0)}/s vs floor ${floorRate.toFixed(0)}/s; dispatch ${e2e.dispatchedMs.toFixed(0)} ms`,
      );
      const note = `${rows.toLocaleString('en-GB')} journalists, ${e2e.batches} batches, ${TOTAL_CONCURRENCY} in flight (${QUEUE_CONCURRENCY} consumers × ${HANDLER_CONCURRENCY}). CPU per email, end to end: ${cpu.toFixed(2)} ms (${cpuNote(e2e.phase)}); floor (claim Put + SendRawEmail + mark-sent Update): ${floorCpu.toFixed(2)} ms (before ${cpuNote(before)}; after ${cpuNote(after)}); dispatch took ${e2e.dispatchedMs.toFixed(0)} ms${withHead ? `; the floor plus send's per-recipient head read (GetItem): ${totalCpu(withHead).toFixed(2)} ms, so end to end is ${(cpu / totalCpu(withHead)).toFixed(2)}× that` : ''}${e2e.deadLetters.length ? `; ${e2e.deadLetters.length} dead letters: ${e2e.deadLetters[0]}` : ''}${unexpected ? `; ${unexpected} emails to unexpected addresses` : ''}`;
      return [
        {
          name: 'fanout.cpuPerEmailRatio',
          value: round(cpu / floorCpu, 2),
          unit: 'x',
          floor: round(floorCpu, 2),
          floorUnit: 'ms CPU/email',
          note,
        },
        {
          name: 'fanout.throughputRatio',
          value: round(rate / floorRate, 2),
          unit: 'x',
          floor: round(floorRate, 0),
          floorUnit: 'emails/s floor',
          note: `${rate.toFixed(0)} emails/s end to end vs ${floorRate.toFixed(0)}/s for the floor (${before.rate.toFixed(0)} before, ${after.rate.toFixed(0)} after), wall time on a shared machine`,
        },
        { name: 'fanout.duplicates', value: duplicates, unit: 'emails' },
        { name: 'fanout.lost', value: lost, unit: 'emails' },
      ];
    } finally {
      await aws.stop();
    }
  },
};
