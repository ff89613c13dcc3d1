/**
 * The one test file that bundles for real (local esbuild, no Docker): every
 * function bundles, `send` contains no mjml (render once, in ingest), the ingest
 * and send bundles load, and the real ingest bundle renders every example
 * statement exactly as the unbundled code does (the bundles leave out code
 * that never runs: lib/constructs/herald-function.ts). Other CDK tests skip
 * bundling (the `aws:cdk:bundling-stacks` context in ./helpers).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { startAwsStub } from '../../bench/lib/aws-stub';
import { runNode } from '../../bench/lib/child';
import { awsEnv } from '../../bench/lib/emulators';
import { buildRawMessage, prepareForSender } from '../../core/mime';
import { renderEmail } from '../../core/render/email';
import { fromHeader } from '../../core/render/sender';
import { parseStatement } from '../../core/statement/parse';
import { readStoredEmail } from '../../functions/shared/rendered-email';
import { METAFILE_CONTEXT_KEY } from '../../lib/constructs/herald-function';
import { createLedgerTable, createLocalClients, destroyLocalClients } from '../../local/clients';
import { startDynamo, startS3 } from '../../local/emulators';
import { BUCKET, s3Event, s3Record, TABLE } from '../helpers/herald-fakes';
import { EXAMPLES } from '../helpers/local-stack';
import { buildStack, TEST_CONFIG_INPUT } from './helpers';
import { logicalId, resources } from './template';

const outdir = mkdtempSync(join(tmpdir(), 'herald-bundle-'));

/**
 * Environment the entries parse at cold start (fake but well-formed values). With
 * AWS_LAMBDA_FUNCTION_NAME set, importing a bundle boots its handler as the Lambda init does.
 */
const FAKE_ENV: Record<string, string> = {
  AWS_LAMBDA_FUNCTION_NAME: 'herald-bundle-check',
  AWS_REGION: 'eu-west-2',
  LEDGER_TABLE: 'ledger',
  BUCKET_NAME: 'bucket',
  PRESS_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:press',
  PARTNERS_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:partners',
  WEBSITE_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:website',
  OPS_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:ops',
  RELEASE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-2:123456789012:function:release',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
  SCHEDULE_GROUP: 'herald',
  SCHEDULER_DLQ_ARN: 'arn:aws:sqs:eu-west-2:123456789012:scheduler-dlq',
  SENDER_FROM: 'Press Office <press@example.org>',
  UNSUBSCRIBE_BASE_URL: 'https://abc.lambda-url.eu-west-2.on.aws/',
  UNSUBSCRIBE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:u',
  SEND_RATE_PER_SECOND: '7',
  APPROVAL_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:a',
  APPROVALS_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:approvals',
};

/** Imports a bundle in a fresh Node process and reports whether `handler` is a function. */
function loadInNode(file: string): { status: number | null; stderr: string } {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(file).href)});
if (typeof m.handler !== 'function') { console.error('handler is ' + typeof m.handler); process.exit(2); }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...FAKE_ENV },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('bundling', () => {
  // With approval configured, so the approval function is bundled too.
  const { app, stack } = buildStack({
    bundle: true,
    outdir,
    context: { [METAFILE_CONTEXT_KEY]: true },
    config: {
      ...TEST_CONFIG_INPUT,
      approval: { approvers: [{ email: 'sam.head@example.org', name: 'Sam Head' }] },
    },
  });
  const assembly = app.synth();
  const template = Template.fromStack(stack);

  /** The asset directory of a function's bundle (S3Key is `<hash>.zip`). */
  const bundleDir = (name: string): string => {
    const fn = stack.functions[name];
    if (!fn) throw new Error(`no function ${name}`);
    const code = resources(template)[logicalId(fn)]?.Properties?.Code as { S3Key: string };
    return join(assembly.directory, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  };
  const inputs = (name: string): string[] =>
    Object.keys(
      (
        JSON.parse(readFileSync(join(bundleDir(name), 'index.meta.json'), 'utf8')) as {
          inputs: Record<string, unknown>;
        }
      ).inputs,
    );
  /** Inputs with bytes in the bundle (the metafile's `inputs` also lists what tree-shaking dropped). */
  const inBundle = (name: string): string[] => {
    const meta = JSON.parse(readFileSync(join(bundleDir(name), 'index.meta.json'), 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
    };
    return Object.values(meta.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path),
    );
  };
  const isMjml = (path: string) => /node_modules\/mjml[^/]*\//.test(path);

  it('bundles ingest with mjml and send and approval without it', () => {
    expect(inputs('ingest').some(isMjml)).toBe(true);
    expect(inputs('send').filter(isMjml)).toEqual([]);
    expect(inputs('approval').filter(isMjml)).toEqual([]);
    expect(readFileSync(join(bundleDir('send'), 'index.mjs'), 'utf8')).not.toMatch(/mj-column/);
  });

  it.each(Object.keys(stack.functions))(
    'keeps zod to English in the %s bundle (none of its other 63 locales)',
    (name) => {
      const locales = inBundle(name).filter((path) =>
        /node_modules\/zod\/v4\/locales\//.test(path),
      );
      expect(locales.filter((path) => !path.endsWith('/en.js'))).toEqual([]);
    },
  );

  it.each(['ingest', 'send', 'approval'])('loads the %s bundle and finds its handler', (name) => {
    const { status, stderr } = loadInNode(join(bundleDir(name), 'index.mjs'));
    expect(stderr).not.toMatch(/Error/);
    expect(status).toBe(0);
  });

  it('renders every example statement through the real ingest bundle, as the unbundled code does', async () => {
    const work = mkdtempSync(join(tmpdir(), 'herald-ingest-bundle-'));
    const s3e = await startS3({ port: 0, directory: join(work, 's3'), buckets: [BUCKET] });
    const dynamo = await startDynamo({ port: 0 });
    const stub = await startAwsStub({});
    // ses is unused by ingest; the URL only satisfies the helper.
    const clients = createLocalClients({ s3: s3e.url, ses: stub.url, dynamodb: dynamo.url });
    try {
      await createLedgerTable(clients.dynamodb, TABLE);
      const files = readdirSync(EXAMPLES)
        .filter((f) => f.endsWith('.json'))
        .sort();
      expect(files.length).toBeGreaterThanOrEqual(6);
      const events = [];
      for (const file of files) {
        const body = readFileSync(join(EXAMPLES, file));
        const key = `incoming/${file}`;
        await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
        events.push(s3Event(s3Record(key, { size: body.length })));
      }
      // One Lambda-like process: import the bundle once, then handle each upload in order.
      const eventsFile = join(work, 'events.json');
      writeFileSync(eventsFile, JSON.stringify(events));
      const script = join(work, 'ingest-examples.mjs');
      writeFileSync(
        script,
        `import { readFileSync } from 'node:fs';
const { handler } = await import(${JSON.stringify(pathToFileURL(join(bundleDir('ingest'), 'index.mjs')).href)});
const results = [];
for (const event of JSON.parse(readFileSync(${JSON.stringify(eventsFile)}, 'utf8'))) results.push(await handler(event, { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 60000 }));
console.log(JSON.stringify(results));
process.exit(0);`,
      );
      // Asynchronously: the emulators answer from this process.
      const child = await runNode(script, [], {
        env: {
          PATH: process.env.PATH ?? '',
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...FAKE_ENV,
          ...awsEnv({ s3: s3e.url, dynamodb: dynamo.url, stub: stub.url }),
          BUCKET_NAME: BUCKET,
          LEDGER_TABLE: TABLE,
          DEFAULT_TIMEZONE: 'Europe/London',
        },
        timeoutMs: 120_000,
      });
      expect(child.code, child.stderr).toBe(0);

      for (const file of files) {
        const parsed = parseStatement(readFileSync(join(EXAMPLES, file)), { now: new Date() });
        if (!parsed.ok) throw new Error(`${file} does not parse`);
        const { id, revision } = parsed.statement;
        const stored = await clients.s3.send(
          new GetObjectCommand({ Bucket: BUCKET, Key: `rendered/${id}/${revision}/email.json` }),
        );
        const {
          email: bundled,
          mime,
          mimeDropped,
        } = readStoredEmail(JSON.parse((await stored.Body?.transformToString()) ?? 'null'));
        expect(mimeDropped, file).toBe(false);
        expect(bundled, file).toEqual(await renderEmail(parsed.statement, parsed.embargo));
        // The email prepared for the configured sender, as send will read it.
        const from = fromHeader(bundled.fromName, FAKE_ENV.SENDER_FROM ?? '');
        expect(mime?.sender, file).toEqual({ from });
        const read = structuredClone(bundled);
        prepareForSender(read, { from }, mime);
        const message = await buildRawMessage(
          read,
          { email: 'jane@example.org', name: 'Jane Smith' },
          { from, unsubscribeUrl: 'https://u.example.org/u?t=1' },
        );
        expect(message.toString('latin1'), file).toContain(`boundary="${mime?.headers.boundary}"`);
        const parsedMail = await simpleParser(message);
        expect(parsedMail.subject, file).toBe(bundled.subject);
        expect(parsedMail.text, file).toContain('Dear Jane Smith,');
      }
    } finally {
      destroyLocalClients(clients);
      await stub.stop();
      await dynamo.close();
      await s3e.close();
    }
  });
});
