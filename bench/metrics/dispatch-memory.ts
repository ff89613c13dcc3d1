/**
 * dispatch.peakRssMB: the bundled dispatch Lambda, in a fresh process, handling
 * one PressJob whose press list has 50,000 rows (read streamed from S3). Peak
 * RSS is sampled every 5 ms and cross-checked with the kernel's VmHWM. A run
 * with a 50-row list gives the fixed cost (runtime, bundle, SDK) for contrast.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import type { dispatchEnvSchema } from '../../functions/dispatch/env';
import { writePressList } from '../fixtures/press-list';
import { type BenchAws, BUCKET, startBenchAws, TABLE } from '../lib/aws-env';
import { bundleLambda } from '../lib/bundle';
import { type EnvVars, type InvokeResult, invokeInChild, lambdaEnv, sqsEvent } from '../lib/invoke';
import { loadSample } from '../lib/sample';
import { pressJobOf, putRenderedStatement } from '../lib/statement-fixture';
import { round } from '../lib/stats';
import type { BenchContext, MetricGroup } from '../lib/types';

const PRESS_LIST_KEY = 'lists/press.csv';

async function dispatchOnce(
  ctx: BenchContext,
  aws: BenchAws,
  bundleFile: string,
  rows: number,
  id: string,
): Promise<{ run: InvokeResult; recipients: number; messages: number }> {
  const sample = await loadSample(ctx.root);
  const fixture = await putRenderedStatement(aws, sample, id);
  const list = await writePressList(join(ctx.tmpDir, `press-${rows}.csv`), rows);
  await aws.put(PRESS_LIST_KEY, await readFile(list.file));
  const before = aws.stub.calls.length;
  const dispatchVars = {
    LEDGER_TABLE: TABLE,
    BUCKET_NAME: BUCKET,
    SEND_QUEUE_URL: `${aws.stub.url}/000000000000/herald-send`,
    OPS_TOPIC_ARN: 'arn:aws:sns:eu-west-2:000000000000:herald-ops',
    PRESS_LIST_KEY,
  } satisfies EnvVars<z.input<typeof dispatchEnvSchema>>;
  const env = lambdaEnv('herald-dispatch', { ...aws.env, ...dispatchVars, BENCH_SAMPLE_RSS: '1' });
  const job = pressJobOf(fixture);
  const run = await invokeInChild(ctx, bundleFile, sqsEvent([JSON.stringify(job)]), env, 300_000);
  const failures =
    (run.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures ?? [];
  if (failures.length > 0)
    throw new Error(`dispatch failed the job: ${JSON.stringify(run.result)}`);
  // Count what reached the (stub) send queue: every row must be in exactly one batch.
  let recipients = 0;
  let messages = 0;
  for (const call of aws.stub.calls.slice(before)) {
    if (call.service !== 'sqs') continue;
    const { Entries } = JSON.parse(call.body) as { Entries?: Array<{ MessageBody: string }> };
    for (const entry of Entries ?? []) {
      messages += 1;
      recipients += (JSON.parse(entry.MessageBody) as { recipients: unknown[] }).recipients.length;
    }
  }
  if (recipients !== rows)
    throw new Error(`dispatch enqueued ${recipients} recipients for ${rows} rows`);
  return { run, recipients, messages };
}

export const dispatchMemoryGroup: MetricGroup = {
  id: 'dispatch',
  title: 'dispatch: peak RSS expanding a large press list (child process)',
  async run(ctx) {
    const rows = ctx.quick ? 5_000 : 50_000;
    const bundle = await bundleLambda(
      'dispatch',
      join(ctx.root, 'functions/dispatch/index.ts'),
      join(ctx.buildDir, 'lambda'),
    );
    const aws = await startBenchAws(ctx, 'dispatch');
    try {
      const small = await dispatchOnce(ctx, aws, bundle.file, 50, 'bench-dispatch-small');
      const big = await dispatchOnce(ctx, aws, bundle.file, rows, 'bench-dispatch-big');
      const peak = Math.max(big.run.peakRssMB, big.run.vmHwmMB ?? 0);
      const smallPeak = Math.max(small.run.peakRssMB, small.run.vmHwmMB ?? 0);
      ctx.log(
        `dispatch ${rows} rows: peak ${peak.toFixed(1)} MB (sampled ${big.run.peakRssMB.toFixed(1)}, VmHWM ${big.run.vmHwmMB?.toFixed(1)}), ${big.run.invokeMs.toFixed(0)} ms; 50 rows: ${smallPeak.toFixed(1)} MB`,
      );
      return [
        {
          name: 'dispatch.peakRssMB',
          value: round(peak, 1),
          unit: 'MB',
          floor: round(smallPeak, 1),
          floorUnit: 'MB at 50 rows',
          note: `${rows.toLocaleString('en-GB')} rows → ${big.messages} SendBatch messages in ${(big.run.invokeMs / 1000).toFixed(1)} s; peak = max(sampled RSS ${big.run.peakRssMB.toFixed(1)}, VmHWM ${big.run.vmHwmMB?.toFixed(1) ?? 'n/a'}); peak JS heapUsed ${big.run.peakHeapUsedMB.toFixed(1)} MB (50 rows: ${small.run.peakHeapUsedMB.toFixed(1)}); 50-row run ${smallPeak.toFixed(1)} MB, so ~${(((peak - smallPeak) / rows) * 1000).toFixed(2)} MB per 1,000 rows`,
        },
      ];
    } finally {
      await aws.stop();
    }
  },
};
