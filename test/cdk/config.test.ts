/**
 * The CDK app and herald.config.json: `-c config=<file>` selects the file, and a
 * bad file stops the app with the loader's readable message (no stack trace).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors';
import { createHeraldApp } from '../../lib/app';
import { CDK_JSON_CONTEXT, TEST_CONFIG_INPUT } from './helpers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));

function writeConfig(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

const badConfig = writeConfig('bad.json', {
  ...TEST_CONFIG_INPUT,
  sender: { from: 'not an address', sesIdentity: 'example.org' },
  press: { sendRatePerSecond: 0 },
});

describe('config selection', () => {
  it('builds the stack from the file named by -c config=', () => {
    const path = writeConfig('good.json', TEST_CONFIG_INPUT);
    const { stack } = createHeraldApp({
      nag: false,
      appProps: { context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], config: path } },
    });
    expect(stack.functions.send).toBeDefined();
  });

  it('throws ConfigError naming every bad field', () => {
    const build = () =>
      createHeraldApp({
        nag: false,
        appProps: {
          context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], config: badConfig },
        },
      });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/sender\.from/);
    expect(build).toThrow(/press\.sendRatePerSecond/);
  });

  it('says so when the file does not exist', () => {
    const missing = join(dir, 'missing.json');
    expect(() =>
      createHeraldApp({ nag: false, appProps: { context: { config: missing } } }),
    ).toThrow(/does not exist/);
  });

  it('stops bin/app.ts with the readable message and exit code 1', () => {
    const result = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['bin/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ config: badConfig }),
        CDK_OUTDIR: join(dir, 'cdk.out'),
      },
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    // The loader's own wording (core/errors ConfigError): the file, then one line per problem.
    const expected = (() => {
      try {
        createHeraldApp({ nag: false, appProps: { context: { config: badConfig } } });
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(result.stderr.trim()).toBe(expected.trim());
    expect(result.stderr).toContain(badConfig);
    expect(result.stderr).toMatch(/sender\.from: /);
    // A readable message, not a stack trace.
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
