/** The real CLI: `node bin/herald.mjs dev --once --json …` as a child process. */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/local-stack';

const run = promisify(execFile);
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'herald-cli-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('herald dev --once --json', () => {
  it('processes the given files in order, prints the outcome as JSON and exits 0 even with a rejected file', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        'bin/herald.mjs',
        'dev',
        '--once',
        '--json',
        '--state-dir',
        stateDir,
        '--now',
        '2024-02-20T09:00:00Z',
        '--fast-forward',
        'examples/statements/01-bscp-serious-case-review.json',
        'examples/invalid/missing-required-fields.json',
      ],
      { cwd: REPO, timeout: 90_000 },
    );
    const report = JSON.parse(stdout) as {
      statements: Array<{
        file: string;
        id: string | null;
        outcome: string;
        errors: unknown[];
        press: { emailed: number };
        partners: Record<string, number>;
        release: { at: string | null; released: boolean };
      }>;
      stateDir: string;
    };
    expect(report.stateDir).toBe(stateDir);
    expect(report.statements.map((s) => [s.file, s.outcome])).toEqual([
      ['01-bscp-serious-case-review.json', 'published'],
      ['missing-required-fields.json', 'rejected'],
    ]);
    const [published, rejected] = report.statements;
    expect(published?.press.emailed).toBe(4);
    expect(published?.release).toEqual({ at: '2024-02-21T00:01:00.000Z', released: true });
    expect(Object.keys(published?.partners ?? {})).toEqual([
      'police-partnership',
      'health-trust',
      'newsdesk-archive',
    ]);
    expect(rejected?.errors.length).toBeGreaterThan(0);
    expect((await readdir(join(stateDir, 'outbox', 'bscp-2024-02-scr', '1'))).length).toBe(4);
  });

  it('explains a usage mistake in one sentence with exit code 2', async () => {
    const failure = await run(
      process.execPath,
      ['bin/herald.mjs', 'dev', '--once', '--state-dir', stateDir],
      {
        cwd: REPO,
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /^herald: dev --once needs at least one statement file/,
    );
    expect((failure as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  });
});
