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
 * in-flight recipients), in the same run, alternating with the end-to-end runs.
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
import type { StoredEmail } from '../lib/emulators';
import { sqsEvent } from '../lib/invoke';
import { loadSample } from '../lib/sample';
import { pressJobOf, putRenderedStatement } from '../lib/statement-fixture';
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
  const fixture = await putRenderedStatement(aws, sample, id, { from: SENDER });
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
    // The delivery report's ops message is not part of the measured work.
    publisher: { publish: async () => ({ messageId: 'bench' }) },
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
    clock: () => new Date(),
    settings: { bucket: BUCKET, tableName: TABLE, pressListKey: PRESS_LIST_KEY },
  });

  const job = pressJobOf(fixture);
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
      const fixture = await putRenderedStatement(aws, sample, 'bench-fanout-ceiling', {
        from: SENDER,
      });
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
      await floorPhase(aws, raw, 'bench-fanout-warm', ctx.quick ? 200 : 1_000, TOTAL_CONCURRENCY);
      await aws.sesEmulator.clear();
      // Floors and end-to-end runs alternate (F [H] E F [H] E F): CPU per email drifts during a
      // run (the machine's load, the emulators' growing stores), and alternating cancels most of it.
      // H (full runs only) is the floor plus the head read send makes per recipient: data for the
      // floor's definition, not part of the metric.
      const floorSize = ctx.quick ? rows : rows / 2;
      const floors: Array<Phase & { rate: number }> = [];
      const withHead: Array<Phase & { rate: number }> = [];
      const runs: Array<Awaited<ReturnType<typeof endToEnd>>> = [];
      const stored: StoredEmail[] = [];
      const rounds = ctx.quick ? 1 : 2;
      for (let round = 0; round <= rounds; round++) {
        floors.push(
          await floorPhase(aws, raw, `bench-fanout-floor-${round}`, floorSize, TOTAL_CONCURRENCY),
        );
        await aws.sesEmulator.clear();
        if (round === rounds) break;
        if (!ctx.quick) {
          withHead.push(
            await floorPhase(
              aws,
              raw,
              `bench-fanout-head-${round}`,
              floorSize,
              TOTAL_CONCURRENCY,
              true,
            ),
          );
          await aws.sesEmulator.clear();
        }
        runs.push(await endToEnd(ctx, aws, `bench-fanout-${round}`, rows));
        stored.push(...(await aws.sesEmulator.emails()));
        await aws.sesEmulator.clear();
      }
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      const floorCpu = mean(floors.map(totalCpu));
      const floorRate = mean(floors.map((f) => f.rate));
      const cpu = mean(runs.map((r) => totalCpu(r.phase)));
      const rate = mean(runs.map((r) => rows / r.seconds));

      // Every run mails the same addresses (for its own statement): each must get one email per run.
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
        if (count > runs.length) duplicates += count - runs.length;
        if (!expected.has(address)) unexpected += count;
      }
      let lost = 0;
      for (const address of expected) lost += Math.max(0, runs.length - (seen.get(address) ?? 0));
      const deadLetters = runs.flatMap((r) => r.deadLetters);
      ctx.log(
        `fanout: ${stored.length} emails in ${runs.length} runs, ${cpu.toFixed(2)} ms CPU each vs floor ${floorCpu.toFixed(2)}; ${rate.toFixed(0)}/s vs floor ${floorRate.toFixed(0)}/s`,
      );
      const list = (phases: Phase[]) => phases.map((p) => totalCpu(p).toFixed(2)).join('/');
      const first = runs[0] ? ` (first run: ${cpuNote(runs[0].phase)})` : '';
      const head = withHead.length
        ? `; the floor plus send's per-recipient head read (GetItem) ${mean(withHead.map(totalCpu)).toFixed(2)} ms (runs ${list(withHead)}), so end to end is ${(cpu / mean(withHead.map(totalCpu))).toFixed(2)}× that`
        : '';
      const note = `${runs.length} × ${rows.toLocaleString('en-GB')} journalists (${runs[0]?.batches} batches each), ${TOTAL_CONCURRENCY} in flight (${QUEUE_CONCURRENCY} consumers × ${HANDLER_CONCURRENCY}), alternating with ${floors.length} floors of ${floorSize}. CPU per email (this process, which runs dynalite and s3rver, plus the SES emulator): end to end ${cpu.toFixed(2)} ms (runs ${list(runs.map((r) => r.phase))})${first}; floor (claim Put + SendRawEmail + mark-sent Update) ${floorCpu.toFixed(2)} ms (runs ${list(floors)})${head}; dispatch took ${runs.map((r) => r.dispatchedMs.toFixed(0)).join('/')} ms${deadLetters.length ? `; ${deadLetters.length} dead letters: ${deadLetters[0]}` : ''}${unexpected ? `; ${unexpected} emails to unexpected addresses` : ''}`;
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
          note: `${rate.toFixed(0)} emails/s end to end vs ${floorRate.toFixed(0)}/s for the floor (runs ${floors.map((f) => f.rate.toFixed(0)).join('/')}), wall time on a shared machine`,
        },
        { name: 'fanout.duplicates', value: duplicates, unit: 'emails' },
        { name: 'fanout.lost', value: lost, unit: 'emails' },
      ];
    } finally {
      await aws.stop();
    }
  },
};
