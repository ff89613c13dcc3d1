/**
 * pacing.efficiency, pacing.throttledShare, pacing.lost, pacing.duplicates.
 *
 * The press path at the SES account rate, end to end: the bundled dispatch
 * Lambda (in its own process) expands a press list into SendBatch messages;
 * its SQS calls reach a LocalQueue (SQS stand-in, batch size 1, the stack's
 * visibility timeout and redrive count) through the bench's AWS stub,
 * consumed by as many send instances as the stack allows (`sendPacing()`:
 * the event source's maxConcurrency). Each instance is the bundled send Lambda
 * in its own process (bench/lib/instances.ts) with the stack's per-instance
 * SEND_RATE_PER_SECOND, as in AWS. SES is the emulator enforcing the
 * configured rate (bench/harness/ses-emulator.ts --rate): above it,
 * `Throttling`, as SES answers.
 *
 * Efficiency = emails SES accepted per second, from the first to the last,
 * divided by the configured rate. The start (dispatch reading the list, each
 * instance's first invocation) is a fixed cost per statement, not pacing: it
 * is in pacing.timeToLastEmailS, with the end-to-end rate.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { z } from 'zod';
import type { dispatchEnvSchema } from '../../functions/dispatch/env';
import type { sendEnvSchema } from '../../functions/send/env';
import {
  DEFAULT_MAX_RECEIVE_COUNT,
  visibilityTimeoutFor,
} from '../../lib/constructs/queue-consumer';
import { sendPacing } from '../../lib/herald-stack';
import { LocalQueue } from '../../local/queues';
import { WorkTracker } from '../../local/tracker';
import { journalistEmail, writePressList } from '../fixtures/press-list';
import { BUCKET, startBenchAws, TABLE, UNSUBSCRIBE_SECRET_ARN } from '../lib/aws-env';
import { bundleLambda } from '../lib/bundle';
import { type Instances, startInstances } from '../lib/instances';
import { type EnvVars, lambdaEnv, sqsEvent } from '../lib/invoke';
import { loadSample } from '../lib/sample';
import { pressJobOf, putRenderedStatement } from '../lib/statement-fixture';
import { round } from '../lib/stats';
import type { MetricGroup } from '../lib/types';
import { addressOf } from './fanout';

const SENDER = 'Herald Press Office <press@example.org>';
const PRESS_LIST_KEY = 'lists/press.csv';
const OPS_TOPIC_ARN = 'arn:aws:sns:eu-west-2:000000000000:herald-ops';
/** The configured SES rate: what `press.sendRatePerSecond` would say, and what the emulator allows. */
const SES_RATE = 50;

export const pacingGroup: MetricGroup = {
  id: 'pacing',
  title: `pacing: dispatch → queue → send instances → SES emulator enforcing ${SES_RATE}/s`,
  async run(ctx) {
    const rows = ctx.quick ? 500 : 2_000;
    const pacing = sendPacing(SES_RATE);
    // The send queue's visibility timeout, as the stack sets it.
    const visibilityMs = visibilityTimeoutFor(pacing.timeout).toMilliseconds();
    const [bundle, dispatchBundle] = await Promise.all([
      bundleLambda('send', join(ctx.root, 'functions/send/index.ts'), join(ctx.buildDir, 'lambda')),
      bundleLambda(
        'dispatch',
        join(ctx.root, 'functions/dispatch/index.ts'),
        join(ctx.buildDir, 'lambda'),
      ),
    ]);
    const aws = await startBenchAws(ctx, 'pacing', { rate: SES_RATE });
    let instances: Instances | null = null;
    let dispatcher: Instances | null = null;
    try {
      const sample = await loadSample(ctx.root);
      const fixture = await putRenderedStatement(aws, sample, 'bench-pacing', {
        from: SENDER,
      });
      const list = await writePressList(join(ctx.tmpDir, `pacing-${rows}.csv`), rows);
      await aws.put(PRESS_LIST_KEY, await readFile(list.file));

      const sendVars = {
        LEDGER_TABLE: TABLE,
        BUCKET_NAME: BUCKET,
        SENDER_FROM: SENDER,
        UNSUBSCRIBE_BASE_URL: 'https://unsubscribe.example.org/u',
        UNSUBSCRIBE_SECRET_ARN,
        OPS_TOPIC_ARN,
        SEND_RATE_PER_SECOND: String(pacing.perInstanceRatePerSecond),
      } satisfies EnvVars<z.input<typeof sendEnvSchema>>;
      const env = lambdaEnv('herald-send', { ...aws.env, ...sendVars });
      const pool = await startInstances(
        ctx,
        bundle.file,
        pacing.maxConcurrency,
        env,
        pacing.timeout.toMilliseconds(),
      );
      instances = pool;
      await aws.sesEmulator.clear();
      await aws.sesEmulator.pacingReset();
      let redeliveries = 0;
      const consumer = async (event: SQSEvent) => {
        for (const record of event.Records) {
          if (Number(record.attributes.ApproximateReceiveCount) > 1) redeliveries++;
        }
        return (await pool.invoke(event)) as SQSBatchResponse;
      };
      const tracker = new WorkTracker();
      const deadLetters: string[] = [];
      const sendQueue = new LocalQueue({
        name: 'send',
        consumer,
        tracker,
        batchSize: 1,
        concurrency: pacing.maxConcurrency,
        maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT,
        visibilityDelayMs: () => visibilityMs,
        deadLetter: async (letter) => {
          deadLetters.push(letter.reason);
        },
      });
      dispatcher = await startInstances(
        ctx,
        dispatchBundle.file,
        1,
        lambdaEnv('herald-dispatch', {
          ...aws.env,
          ...({
            LEDGER_TABLE: TABLE,
            BUCKET_NAME: BUCKET,
            SEND_QUEUE_URL: `${aws.stub.url}/000000000000/herald-send`,
            OPS_TOPIC_ARN,
            PRESS_LIST_KEY,
          } satisfies EnvVars<z.input<typeof dispatchEnvSchema>>),
        }),
        300_000,
      );
      aws.stub.onSendMessageBatch = (_queue, bodies) => sendQueue.send(bodies);
      const job = pressJobOf(fixture);

      const cpu0 = process.cpuUsage();
      const ses0 = await aws.sesEmulator.cpuMs();
      const started = Date.now();
      const result = (await dispatcher.invoke(sqsEvent([JSON.stringify(job)]))) as SQSBatchResponse;
      await tracker.idle();
      sendQueue.stop();
      if (result.batchItemFailures.length > 0) throw new Error('dispatch failed the press job');
      const failures = tracker.takeFailures();
      if (failures.length > 0)
        throw new Error(`local queue plumbing failed: ${String(failures[0])}`);

      const wall = Date.now() - started;
      const cpu = process.cpuUsage(cpu0);
      const benchCpuShare = (cpu.user + cpu.system) / 1000 / wall;
      const sesCpuShare = ((await aws.sesEmulator.cpuMs()) - ses0) / wall;
      const stats = await aws.sesEmulator.pacingStats();
      const stored = await aws.sesEmulator.emails();
      const seen = new Map<string, number>();
      for (const email of stored) {
        for (const to of email.destination.to) {
          const address = addressOf(to);
          seen.set(address, (seen.get(address) ?? 0) + 1);
        }
      }
      let duplicates = 0;
      for (const count of seen.values()) duplicates += Math.max(0, count - 1);
      const lost = Array.from({ length: rows }, (_, i) => journalistEmail(i)).filter(
        (a) => !seen.has(a),
      ).length;
      // Emails SES accepted in each second from the first: shows a slow start or a lone last batch.
      const t0 = Math.min(...stats.acceptedAt);
      const perSecond: number[] = [];
      for (const at of stats.acceptedAt) {
        const k = Math.floor((at - t0) / 1000);
        perSecond[k] = (perSecond[k] ?? 0) + 1;
      }
      ctx.log(`pacing: accepted per second: ${Array.from(perSecond, (n) => n ?? 0).join(' ')}`);
      const first = Math.min(...stats.acceptedAt);
      const last = Math.max(...stats.acceptedAt);
      const seconds = (last - started) / 1000;
      // The rate while sending: from the first email SES accepted to the last.
      const achieved = (stats.acceptedAt.length - 1) / ((last - first) / 1000);
      const endToEnd = stored.length / seconds;
      const throttles = stats.throttledAt.length;
      const calls = stats.acceptedAt.length + throttles;
      ctx.log(
        `pacing: ${stored.length} emails at ${achieved.toFixed(1)}/s of ${SES_RATE}/s (${endToEnd.toFixed(1)}/s from dispatch to the last email, ${seconds.toFixed(1)} s); ${throttles} throttled; ${pacing.maxConcurrency} instances × ${pacing.perInstanceRatePerSecond}/s`,
      );
      const note = `${rows.toLocaleString('en-GB')} journalists, SES at ${SES_RATE}/s (token bucket of ${stats.burst}), ${pacing.maxConcurrency} send instances × ${pacing.perInstanceRatePerSecond}/s (sendPacing). Sent at ${achieved.toFixed(1)} emails/s from the first email to the last; first email ${((first - started) / 1000).toFixed(2)} s after dispatch began (dispatch, first invocations), last ${seconds.toFixed(1)} s (ideal ${(rows / SES_RATE).toFixed(1)} s + that start), ${endToEnd.toFixed(1)} emails/s end to end; ${calls} SES calls (${calls - stored.length} retries), ${throttles} throttled, ${redeliveries} SQS redeliveries, ${deadLetters.length} dead letters; CPU used: this process (queue, S3 and DynamoDB emulators, AWS stub) ${(benchCpuShare * 100).toFixed(0)}% of a core, SES emulator ${(sesCpuShare * 100).toFixed(0)}%; load average ${loadavg()[0]?.toFixed(1)}`;
      return [
        {
          name: 'pacing.efficiency',
          value: round(achieved / SES_RATE, 3),
          unit: 'x',
          floor: SES_RATE,
          floorUnit: 'emails/s configured',
          note,
        },
        {
          name: 'pacing.throttledShare',
          value: round(throttles / rows, 4),
          unit: 'x',
          note: `${throttles} Throttling answers for ${rows} emails`,
        },
        {
          name: 'pacing.timeToLastEmailS',
          value: round(seconds, 1),
          unit: 's',
          floor: round(rows / SES_RATE, 1),
          floorUnit: 's at the rate',
          note: `from the start of dispatch; ${endToEnd.toFixed(1)} emails/s end to end (${(endToEnd / SES_RATE).toFixed(3)} of the rate)`,
        },
        { name: 'pacing.lost', value: lost, unit: 'emails' },
        { name: 'pacing.duplicates', value: duplicates, unit: 'emails' },
      ];
    } finally {
      aws.stub.onSendMessageBatch = null;
      await dispatcher?.stop();
      await instances?.stop();
      await aws.stop();
    }
  },
};
