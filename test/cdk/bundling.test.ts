/**
 * The one test that bundles for real (local esbuild, no Docker): every function
 * bundles, `send` contains no mjml (DESIGN §2: render once, in ingest), the ingest
 * and send bundles load, and MJML renders when bundled with the same options.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  HERALD_BUNDLING,
  HERALD_ESBUILD_TARGET,
  METAFILE_CONTEXT_KEY,
} from '../../lib/constructs/herald-function';
import { buildStack } from './helpers';
import { logicalId, resources } from './template';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
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
  const { app, stack } = buildStack({
    bundle: true,
    outdir,
    context: { [METAFILE_CONTEXT_KEY]: true },
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
  const isMjml = (path: string) => /node_modules\/mjml[^/]*\//.test(path);

  it('bundles ingest with mjml and send without it', () => {
    expect(inputs('ingest').some(isMjml)).toBe(true);
    expect(inputs('send').filter(isMjml)).toEqual([]);
    expect(readFileSync(join(bundleDir('send'), 'index.mjs'), 'utf8')).not.toMatch(/mj-column/);
  });

  it.each(['ingest', 'send'])('loads the %s bundle and finds its handler', (name) => {
    const { status, stderr } = loadInNode(join(bundleDir(name), 'index.mjs'));
    expect(stderr).not.toMatch(/Error/);
    expect(status).toBe(0);
  });

  it('renders MJML inside a bundle built with the same esbuild options', async () => {
    const outfile = join(outdir, 'render-check', 'index.mjs');
    await build({
      stdin: {
        contents: `import { renderStatement } from './core/render/index.ts';
import { sampleStatement } from './test/fixtures/statements.ts';
const rendered = await renderStatement(sampleStatement(), { embargo: null });
console.log(JSON.stringify({ html: rendered.email.html.parts.join(''), subject: rendered.email.subject }));`,
        resolveDir: ROOT,
        loader: 'ts',
        sourcefile: 'render-check.ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: HERALD_ESBUILD_TARGET,
      minify: true,
      mainFields: [...(HERALD_BUNDLING.mainFields ?? [])],
      banner: { js: HERALD_BUNDLING.banner ?? '' },
      outfile,
      logLevel: 'silent',
    });
    const result = spawnSync(process.execPath, [outfile], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    const { html, subject } = JSON.parse(result.stdout) as { html: string; subject: string };
    expect(subject).toContain('Publication of a Serious Case Review');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('Publication of a Serious Case Review');
  });
});
