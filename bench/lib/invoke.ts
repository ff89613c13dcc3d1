/** Runs a Lambda bundle's handler once in a fresh Node process (bench/harness/invoke.ts). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleHarness } from './bundle';
import { lastJson, runNode } from './child';
import type { BenchContext } from './types';

export interface InvokeResult {
  importMs: number;
  invokeMs: number;
  totalMs: number;
  sinceProcessStartMs: number;
  rssMB: number;
  peakRssMB: number;
  /** Peak V8 heapUsed, sampled (0 unless BENCH_SAMPLE_RSS=1). */
  peakHeapUsedMB: number;
  vmHwmMB: number | null;
  result: unknown;
}

let harness: Promise<string> | null = null;

function invokeHarness(ctx: BenchContext): Promise<string> {
  harness ??= bundleHarness(
    join(ctx.root, 'bench/harness/invoke.ts'),
    join(ctx.buildDir, 'harness/invoke.mjs'),
  );
  return harness;
}

/**
 * A function's variables as its env contract (functions/<name>/env.ts) names them: used
 * with `satisfies`, a renamed or newly required variable breaks the bench's type-check
 * instead of failing a run.
 */
export type EnvVars<ContractInput> = { [K in keyof ContractInput]: string };

/**
 * The environment Lambda gives every Herald function (lib/constructs/herald-function.ts)
 * plus `vars`. Nothing else from this shell leaks in, so runs are comparable.
 */
export function lambdaEnv(functionName: string, vars: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    TZ: 'UTC',
    NODE_OPTIONS: '--enable-source-maps',
    // Lambda runs Node 24; the SDK's notice about Node 20 is this machine's, not the function's.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'herald',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    ...vars,
  };
}

let eventCounter = 0;

export async function invokeInChild(
  ctx: BenchContext,
  bundleFile: string,
  event: unknown,
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<InvokeResult> {
  const script = await invokeHarness(ctx);
  const eventFile = join(ctx.tmpDir, `event-${++eventCounter}.json`);
  await writeFile(eventFile, JSON.stringify(event));
  const out = await runNode(script, [bundleFile, eventFile], { env, timeoutMs });
  if (out.code !== 0) {
    throw new Error(
      `${bundleFile} exited ${out.code}\n${out.stderr.slice(-3000)}\n${out.stdout.slice(-2000)}`,
    );
  }
  return lastJson<InvokeResult>(out, bundleFile);
}

/** An SQS event with one record per body, as the event source mapping delivers it. */
export function sqsEvent(bodies: string[]): unknown {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `bench-${eventCounter}-${i}`,
      receiptHandle: `bench-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:bench',
      awsRegion: 'eu-west-2',
    })),
  };
}

/** An S3 ObjectCreated notification for one key, as S3 sends it to Lambda. */
export function s3Event(bucket: string, key: string, size: number): unknown {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-2',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'bench' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'bench', 'x-amz-id-2': 'bench' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'incoming',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: 'bench' },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/'),
            size,
            eTag: `bench${eventCounter}`,
            sequencer: `00${Date.now().toString(16).toUpperCase()}`,
          },
        },
      },
    ],
  };
}
