/**
 * send.bundleBytes, ingest.bundleBytes, send.coldInitRatio, ingest.coldInitRatio
 * (and ingest.coldInitRatioLikeForLike, ingest.coldInitMs).
 *
 * Bundles come from the stack's esbuild settings (bench/lib/bundle.ts). A cold
 * start is a fresh `node` process importing index.mjs and handling one event
 * (bench/harness/invoke.ts), with Lambda's NODE_OPTIONS, against the emulators
 * (SES in its own process) and the stub for Secrets Manager / SNS / Scheduler.
 * The floors do only the work the design requires, bundled the same way:
 * - send: the same four clients making one call each, in the same order
 *   (bench/harness/send-floor.ts);
 * - ingest: mjml alone rendering the sample's MJML once (bench/harness/mjml-floor.ts);
 *   and, reported beside it (ingest.coldInitRatioLikeForLike), mjml plus ingest's own
 *   AWS calls replayed in their waves (bench/harness/ingest-floor.ts).
 * Runs alternate floor and function so drift on a busy machine hits both; the
 * ratio is of the medians.
 */
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { z } from 'zod';
import { renderedKey } from '../../core/bucket-layout';
import { buildRawMessage } from '../../core/mime';
import { renderStatement } from '../../core/render';
import type { ingestEnvSchema } from '../../functions/ingest/env';
import type { sendEnvSchema } from '../../functions/send/env';
import { journalistEmail } from '../fixtures/press-list';
import {
  type BenchAws,
  BUCKET,
  startBenchAws,
  TABLE,
  UNSUBSCRIBE_SECRET_ARN,
} from '../lib/aws-env';
import { type BuiltBundle, bundleHarness, bundleLambda } from '../lib/bundle';
import { lastJson, runNode } from '../lib/child';
import { ID_PLACEHOLDER, recordIngestCalls } from '../lib/ingest-calls';
import {
  type EnvVars,
  type InvokeResult,
  invokeInChild,
  lambdaEnv,
  s3Event,
  sqsEvent,
} from '../lib/invoke';
import { loadSample, type Sample } from '../lib/sample';
import { putRenderedStatement, sendBatchOf } from '../lib/statement-fixture';
import { median, round } from '../lib/stats';
import type { BenchContext, Measurement, MetricGroup } from '../lib/types';

const SENDER = 'Herald Press Office <press@example.org>';
const ARN = (what: string) => `arn:aws:sns:eu-west-2:000000000000:herald-${what}`;

function describeBundle(b: BuiltBundle): string {
  const top = b.topInputs
    .slice(0, 4)
    .map((i) => `${i.name} ${(i.bytes / 1024).toFixed(0)} KB`)
    .join(', ');
  return `${(b.bytes / 2 ** 20).toFixed(2)} MB index.mjs + ${(b.mapBytes / 2 ** 20).toFixed(2)} MB map; largest inputs: ${top}`;
}

/** The MJML source and options core/render passes to mjml2html for the sample (bench/harness/mjml-source.ts). */
async function sampleMjml(ctx: BenchContext): Promise<{ source: string; options: unknown }> {
  const script = await bundleHarness(
    join(ctx.root, 'bench/harness/mjml-source.ts'),
    join(ctx.buildDir, 'harness/mjml-source.mjs'),
    { alias: { mjml: join(ctx.root, 'bench/harness/mjml-capture.ts') } },
  );
  return lastJson(await runNode(script, [ctx.root]), 'mjml-source');
}

async function buildBundles(ctx: BenchContext, sample: Sample) {
  const outDir = join(ctx.buildDir, 'lambda');
  const rendered = await renderStatement(sample.statement, { embargo: sample.embargo });
  // The floors send the same bytes send would, so the emulator's parse cost cancels out.
  const raw = await buildRawMessage(
    rendered.email,
    { email: 'floor@press.example.com' },
    { from: SENDER, unsubscribeUrl: 'https://unsubscribe.example.org/u?t=floor', date: sample.now },
  );
  const rawDefine = { __FLOOR_RAW_BASE64__: JSON.stringify(raw.toString('base64')) };
  const mjml = await sampleMjml(ctx);
  const mjmlDefine = {
    __FLOOR_MJML__: JSON.stringify(mjml.source),
    __FLOOR_MJML_OPTIONS__: JSON.stringify(mjml.options),
  };
  const [send, ingest, sesOnly, sendFloor, mjmlFloor, ingestFloor] = await Promise.all([
    bundleLambda('send', join(ctx.root, 'functions/send/index.ts'), outDir),
    bundleLambda('ingest', join(ctx.root, 'functions/ingest/index.ts'), outDir),
    bundleLambda('ses-floor', join(ctx.root, 'bench/harness/ses-floor.ts'), outDir, {
      define: rawDefine,
    }),
    bundleLambda('send-floor', join(ctx.root, 'bench/harness/send-floor.ts'), outDir, {
      define: rawDefine,
    }),
    bundleLambda('mjml-floor', join(ctx.root, 'bench/harness/mjml-floor.ts'), outDir, {
      define: mjmlDefine,
    }),
    bundleLambda('ingest-floor', join(ctx.root, 'bench/harness/ingest-floor.ts'), outDir, {
      define: { ...mjmlDefine, __FLOOR_ID_PLACEHOLDER__: JSON.stringify(ID_PLACEHOLDER) },
    }),
  ]);
  return { send, ingest, sesOnly, sendFloor, mjmlFloor, ingestFloor, rendered };
}

async function sendColdStarts(
  ctx: BenchContext,
  aws: BenchAws,
  bundles: { send: BuiltBundle; sendFloor: BuiltBundle },
  sample: Sample,
): Promise<{ send: InvokeResult[]; floor: InvokeResult[]; lifecycleFloor: InvokeResult[] }> {
  const fixture = await putRenderedStatement(aws, sample, sample.statement.id, {
    from: SENDER,
  });
  const sendVars = {
    LEDGER_TABLE: TABLE,
    BUCKET_NAME: BUCKET,
    SENDER_FROM: SENDER,
    UNSUBSCRIBE_BASE_URL: 'https://unsubscribe.example.org/u',
    UNSUBSCRIBE_SECRET_ARN,
    OPS_TOPIC_ARN: ARN('ops'),
    SEND_RATE_PER_SECOND: '14',
  } satisfies EnvVars<z.input<typeof sendEnvSchema>>;
  const sendEnv = lambdaEnv('herald-send', { ...aws.env, ...sendVars });
  const floorEnv = lambdaEnv('herald-send-floor', {
    ...aws.env,
    LEDGER_TABLE: TABLE,
    BUCKET_NAME: BUCKET,
    UNSUBSCRIBE_SECRET_ARN,
  });
  const lifecycleFloorEnv = { ...floorEnv, FLOOR_LIFECYCLE: '1' };
  const reps = ctx.quick ? 2 : 15;
  const send: InvokeResult[] = [];
  const floor: InvokeResult[] = [];
  const lifecycleFloor: InvokeResult[] = [];
  await aws.sesEmulator.clear();
  // One warm-up pair (file cache, emulator JIT) that is not counted.
  for (let i = -1; i < reps; i++) {
    // A new journalist each time (for each side): the ledger would skip an address already sent to.
    const event = (n: number) =>
      sqsEvent([
        JSON.stringify(sendBatchOf(fixture, [{ email: journalistEmail(n), name: 'Cold Start' }])),
      ]);
    const f = await invokeInChild(ctx, bundles.sendFloor.file, event(800_000 + i + 1), floorEnv);
    const s = await invokeInChild(ctx, bundles.send.file, event(900_000 + i + 1), sendEnv);
    const l = await invokeInChild(
      ctx,
      bundles.sendFloor.file,
      event(700_000 + i + 1),
      lifecycleFloorEnv,
    );
    const failures =
      (s.result as { batchItemFailures?: unknown[] } | null)?.batchItemFailures ?? [];
    if (failures.length > 0) throw new Error(`send reported failures: ${JSON.stringify(s.result)}`);
    if (i >= 0) {
      floor.push(f);
      send.push(s);
      lifecycleFloor.push(l);
    }
  }
  const stored = (await aws.sesEmulator.emails()).length;
  if (stored !== 3 * (reps + 1)) {
    throw new Error(
      `expected ${3 * (reps + 1)} emails in the SES emulator, found ${stored}: a run did not send`,
    );
  }
  return { send, floor, lifecycleFloor };
}

async function ingestColdStarts(
  ctx: BenchContext,
  aws: BenchAws,
  bundles: { ingest: BuiltBundle; mjmlFloor: BuiltBundle; ingestFloor: BuiltBundle },
  sample: Sample,
): Promise<{
  ingest: InvokeResult[];
  floor: InvokeResult[];
  likeFloor: InvokeResult[];
  calls: number;
  longest: number;
}> {
  const ingestVars = {
    LEDGER_TABLE: TABLE,
    BUCKET_NAME: BUCKET,
    PRESS_TOPIC_ARN: ARN('press'),
    PARTNERS_TOPIC_ARN: ARN('partners'),
    WEBSITE_TOPIC_ARN: ARN('website'),
    OPS_TOPIC_ARN: ARN('ops'),
    RELEASE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-2:000000000000:function:herald-release',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/herald-scheduler',
    SCHEDULE_GROUP: 'herald',
    SCHEDULER_DLQ_ARN: 'arn:aws:sqs:eu-west-2:000000000000:herald-scheduler-dlq',
    DEFAULT_TIMEZONE: 'Europe/London',
  } satisfies EnvVars<z.input<typeof ingestEnvSchema>>;
  const env = lambdaEnv('herald-ingest', { ...aws.env, ...ingestVars });
  const source = JSON.parse(sample.bytes.toString('utf8')) as Record<string, unknown>;
  /** A new statement (the ledger dedupes id#revision) with an embargo still ahead, the usual case. */
  const upload = async (id: string) => {
    const statement = {
      ...source,
      id,
      embargo: {
        until: new Date(Date.now() + 86_400_000).toISOString(),
        timezone: 'Europe/London',
      },
    };
    const key = `incoming/${id}.json`;
    const body = JSON.stringify(statement, null, 2);
    await aws.put(key, body);
    return s3Event(BUCKET, key, Buffer.byteLength(body));
  };
  const stamp = Date.now().toString(36);
  const recordedId = `bench-calls-${stamp}`;
  const calls = await recordIngestCalls(
    { ...aws.env, ...ingestVars },
    recordedId,
    await upload(recordedId),
  );
  const floorEnv = lambdaEnv('herald-mjml-floor', {});
  const likeEnv = lambdaEnv('herald-ingest-floor', { ...aws.env });
  const reps = ctx.quick ? 2 : 9;
  const runs: InvokeResult[] = [];
  const floor: InvokeResult[] = [];
  const likeFloor: InvokeResult[] = [];
  let lastId = '';
  for (let i = -1; i < reps; i++) {
    lastId = `bench-cold-${stamp}-${i + 1}`;
    const likeId = `bench-floor-${stamp}-${i + 1}`;
    const event = await upload(lastId);
    await upload(likeId);
    const f = await invokeInChild(ctx, bundles.mjmlFloor.file, {}, floorEnv);
    const run = await invokeInChild(ctx, bundles.ingest.file, event, env);
    const like = await invokeInChild(ctx, bundles.ingestFloor.file, { id: likeId, calls }, likeEnv);
    const unlike = (like.result as { unlike?: string[] } | null)?.unlike ?? [];
    if (unlike.length > 0) {
      throw new Error(`the ingest floor's replay differed from ingest: ${unlike.join(', ')}`);
    }
    if (i >= 0) {
      runs.push(run);
      floor.push(f);
      likeFloor.push(like);
    }
  }
  // The last run must have rendered: ingest wrote the email.json send would read.
  await aws.s3.send(
    new HeadObjectCommand({ Bucket: BUCKET, Key: renderedKey(lastId, 1, 'email') }),
  );
  return {
    ingest: runs,
    floor,
    likeFloor,
    calls: calls.length,
    longest: longestChain(calls),
  };
}

/** How many of the calls ran one after another at most: the longest chain of waits. */
function longestChain(calls: ReadonlyArray<{ after: number }>): number {
  const depth: number[] = [];
  for (const [i, call] of calls.entries()) depth[i] = (depth[call.after] ?? 0) + 1;
  return Math.max(0, ...depth);
}

/**
 * Where send's import time goes: bundles of the same settings that import
 * cumulatively more of what send imports, each timed (import only) in fresh
 * processes. Data for the cold-start ratio, not a metric.
 */
const IMPORT_STEPS: Array<{ label: string; imports: string; keep: string }> = [
  {
    label: 'SES client (floor)',
    imports: "import { SESClient } from '@aws-sdk/client-ses';",
    keep: 'SESClient',
  },
  {
    label: '+ S3, DynamoDB, lib-dynamodb, Secrets Manager clients',
    imports:
      "import { S3Client } from '@aws-sdk/client-s3'; import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
    keep: 'S3Client, DynamoDBClient, DynamoDBDocumentClient, SecretsManagerClient',
  },
  // send uses zod/mini (functions/shared/zod-mini.ts); classic zod was ~450 KB of it.
  {
    label: '+ zod/mini',
    imports: "import * as z from 'zod/mini'; import './functions/shared/zod-mini';",
    keep: 'z.object',
  },
  {
    label: '+ core/mime (nodemailer)',
    imports: "import { buildRawMessage } from './core/mime';",
    keep: 'buildRawMessage',
  },
  {
    label: '+ Powertools logger',
    imports: "import { Logger } from '@aws-lambda-powertools/logger';",
    keep: 'Logger',
  },
];

/** The same for ingest, from its floor (mjml alone) up. */
const INGEST_IMPORT_STEPS: Array<{ label: string; imports: string; keep: string }> = [
  { label: 'mjml (floor)', imports: "import mjml2html from 'mjml';", keep: 'mjml2html' },
  {
    label: '+ S3, DynamoDB, lib-dynamodb, SNS, Scheduler clients',
    imports:
      "import { S3Client } from '@aws-sdk/client-s3'; import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; import { SNSClient } from '@aws-sdk/client-sns'; import { SchedulerClient } from '@aws-sdk/client-scheduler';",
    keep: 'S3Client, DynamoDBClient, DynamoDBDocumentClient, SNSClient, SchedulerClient',
  },
  {
    label: '+ zod and the statement schema',
    imports: "import { parseStatement } from './core/statement/parse';",
    keep: 'parseStatement',
  },
  {
    label: '+ the renderer and social copy (markdown-it, twitter-text)',
    imports: "import { renderStatement } from './core/render';",
    keep: 'renderStatement',
  },
  {
    label: '+ Powertools logger',
    imports: "import { Logger } from '@aws-lambda-powertools/logger';",
    keep: 'Logger',
  },
];

async function importAttribution(
  ctx: BenchContext,
  name: string,
  allSteps: ReadonlyArray<{ label: string; imports: string; keep: string }>,
  reps: number,
): Promise<string> {
  const outDir = join(ctx.buildDir, 'lambda-attribution');
  const lines: string[] = [];
  let previous = 0;
  for (let i = 0; i < allSteps.length; i++) {
    const steps = allSteps.slice(0, i + 1);
    const contents = `${steps.map((s) => s.imports).join('\n')}\nexport const handler = async () => [${steps.map((s) => s.keep).join(', ')}].length;\n`;
    const bundle = await bundleLambda(`${name}-step-${i}`, '', outDir, {
      stdin: { contents, resolveDir: ctx.root, loader: 'ts', sourcefile: `step-${i}.ts` },
    });
    const runs: number[] = [];
    for (let r = 0; r < reps; r++) {
      runs.push((await invokeInChild(ctx, bundle.file, {}, lambdaEnv('attribution', {}))).importMs);
    }
    const ms = median(runs);
    lines.push(
      `${steps[i]?.label}: ${ms.toFixed(0)} ms (${i === 0 ? '' : `+${(ms - previous).toFixed(0)} ms, `}${(bundle.bytes / 1024).toFixed(0)} KB)`,
    );
    previous = ms;
  }
  return lines.join('; ');
}

const coldNote = (label: string, runs: InvokeResult[], step: string) =>
  `${label} ${median(runs.map((r) => r.totalMs)).toFixed(0)} ms (import ${median(runs.map((r) => r.importMs)).toFixed(0)}, ${step} ${median(runs.map((r) => r.invokeMs)).toFixed(0)}; runs ${runs.map((r) => r.totalMs.toFixed(0)).join('/')})`;

export const lambdaGroup: MetricGroup = {
  id: 'lambda',
  title: 'lambda: bundle sizes and cold starts (child processes)',
  async run(ctx) {
    const sample = await loadSample(ctx.root);
    const bundles = await buildBundles(ctx, sample);
    ctx.log(`send: ${describeBundle(bundles.send)}`);
    ctx.log(`ingest: ${describeBundle(bundles.ingest)}`);
    ctx.log(`mjml floor: ${describeBundle(bundles.mjmlFloor)}`);
    const mjmlInSend = bundles.send.topInputs.filter((i) => /mjml/.test(i.name));
    const out: Measurement[] = [
      {
        name: 'send.bundleBytes',
        value: bundles.send.bytes,
        unit: 'B',
        floor: bundles.sendFloor.bytes,
        floorUnit: 'B (4 clients)',
        note: `${describeBundle(bundles.send)}; SES client alone ${bundles.sesOnly.bytes} B${mjmlInSend.length ? `; MJML PRESENT: ${mjmlInSend.map((m) => m.name).join(', ')}` : ''}`,
      },
      {
        name: 'ingest.bundleBytes',
        value: bundles.ingest.bytes,
        unit: 'B',
        floor: bundles.mjmlFloor.bytes,
        floorUnit: 'B (mjml alone)',
        note: `${describeBundle(bundles.ingest)}${bundles.ingest.topInputs.some((i) => i.name === 'typescript') ? '; TYPESCRIPT PRESENT' : ''}`,
      },
    ];

    const aws = await startBenchAws(ctx, 'lambda');
    try {
      const cold = await sendColdStarts(ctx, aws, bundles, sample);
      const sendMs = median(cold.send.map((r) => r.totalMs));
      const floorMs = median(cold.floor.map((r) => r.totalMs));
      const lifecycleRatio = round(sendMs / median(cold.lifecycleFloor.map((r) => r.totalMs)), 2);
      out.push({
        name: 'send.coldInitRatio',
        value: round(sendMs / floorMs, 2),
        unit: 'x',
        floor: round(floorMs, 1),
        floorUnit: 'ms',
        note: `${coldNote('send', cold.send, 'first message')} vs ${coldNote('floor', cold.floor, 'S3∥secret∥suppression, claim, SES, mark')}; against a floor with the lifecycle's calls too (fence read, delivery tally update) ${lifecycleRatio}x (${coldNote('that floor', cold.lifecycleFloor, 'first message')})`,
      });
      if (!ctx.quick) {
        const attribution = await importAttribution(ctx, 'send', IMPORT_STEPS, 5);
        ctx.log(`send import attribution (median import ms): ${attribution}`);
        const last = out[out.length - 1];
        if (last) last.note = `${last.note}. Import by step: ${attribution}`;
      }
      const ingest = await ingestColdStarts(ctx, aws, bundles, sample);
      const ingestMs = median(ingest.ingest.map((r) => r.totalMs));
      const mjmlMs = median(ingest.floor.map((r) => r.totalMs));
      const likeMs = median(ingest.likeFloor.map((r) => r.totalMs));
      out.push(
        {
          name: 'ingest.coldInitRatio',
          value: round(ingestMs / mjmlMs, 2),
          unit: 'x',
          floor: round(mjmlMs, 1),
          floorUnit: 'ms',
          note: `${coldNote('ingest', ingest.ingest, 'first statement')} vs ${coldNote('mjml alone', ingest.floor, 'render')}${ctx.quick ? '' : `. Import by step: ${await importAttribution(ctx, 'ingest', INGEST_IMPORT_STEPS, 5)}`}`,
        },
        {
          name: 'ingest.coldInitRatioLikeForLike',
          value: round(ingestMs / likeMs, 2),
          unit: 'x',
          floor: round(likeMs, 1),
          floorUnit: 'ms',
          note: `against mjml rendering once plus the same clients making ingest's ${ingest.calls} calls, each after the one it waited for (${ingest.longest} one after another at most) (bench/harness/ingest-floor.ts): ${coldNote('that floor', ingest.likeFloor, 'render and calls')}`,
        },
        {
          name: 'ingest.coldInitMs',
          value: round(ingestMs, 0),
          unit: 'ms',
          note: `import + first statement (parse, MJML render, S3 writes, ledger, SNS, schedule); process start to done ${median(ingest.ingest.map((r) => r.sinceProcessStartMs)).toFixed(0)} ms`,
        },
      );
    } finally {
      await aws.stop();
    }
    return out;
  },
};
