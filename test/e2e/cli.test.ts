/** The real CLI: `node bin/herald.mjs dev --once --json …` as a child process. */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devOnce, REPO } from '../helpers/local-stack';

const run = promisify(execFile);
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'herald-cli-'));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** `herald dev --once --json` at 09:00 GMT on 20 February 2024, on these files; its stdout. */
async function devOnceJson(args: string[]): Promise<string> {
  return (await devOnce(stateDir, args, 90_000)).stdout;
}

describe('herald dev --once --json', () => {
  it('processes the given files in order, prints the outcome as JSON and exits 0 even with a rejected file', async () => {
    const stdout = await devOnceJson([
      '--fast-forward',
      'examples/statements/01-bscp-serious-case-review.json',
      'examples/invalid/missing-required-fields.json',
    ]);
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

  it("carries each statement's warnings, so a script sees a kept embargo", async () => {
    const stdout = await devOnceJson([
      'examples/statements/01-bscp-serious-case-review.json',
      'examples/statements/05-bscp-serious-case-review-correction.json',
    ]);
    const report = JSON.parse(stdout) as {
      statements: Array<{ outcome: string; warnings: Array<{ path: string; message: string }> }>;
    };
    const [original, correction] = report.statements;
    expect(original?.warnings).toEqual([]);
    expect(correction?.outcome).toBe('corrected');
    expect(correction?.warnings.map((w) => w.message).join('\n')).toMatch(/embargo/i);
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

describe('herald dev --once (for people)', () => {
  it('prints no URL (nothing is served after it exits) and never claims a release to a website that is off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-once-'));
    try {
      const { stdout } = await run(
        process.execPath,
        [
          'bin/herald.mjs',
          'dev',
          '--once',
          '--state-dir',
          dir,
          '--now',
          '2024-02-20T09:00:00Z',
          '--fast-forward',
          // "channels": {"website": false}
          'examples/statements/03-westmere-nhs-family-hub-media-advisory.json',
        ],
        { cwd: REPO, timeout: 90_000 },
      );
      expect(stdout).not.toMatch(/https?:\/\//);
      expect(stdout).toContain(
        '↳ 03-westmere-nhs-family-hub-media-advisory.json: embargo lifted; released to partners; the website was not told (its channel is off for this statement).',
      );
      expect(stdout).not.toContain('released to the website');
      expect(stdout).toContain('nothing is served after it ends');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops at once, changing nothing, when another stack holds the state folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-locked-'));
    try {
      // This test process stands in for a running `npm start`: its pid is alive.
      const lock = JSON.stringify({
        pid: process.pid,
        host: hostname(),
        startedAt: '2024-02-20T08:59:00.000Z',
        command: 'herald dev (npm start)',
        endpoints: { http: 'http://127.0.0.1:8787', dynamodb: 'http://127.0.0.1:4567' },
      });
      await writeFile(join(dir, 'herald.lock'), lock);
      await mkdir(join(dir, 'outbox', 'x', '1'), { recursive: true });
      await writeFile(join(dir, 'outbox', 'x', '1', 'a@example.com.eml'), 'the first run’s email');
      const failure = await run(
        process.execPath,
        [
          'bin/herald.mjs',
          'dev',
          '--once',
          '--state-dir',
          dir,
          'examples/statements/01-bscp-serious-case-review.json',
        ],
        { cwd: REPO, timeout: 90_000 },
      ).catch((error: { code: number; stderr: string }) => error);
      expect(failure).toMatchObject({ code: 2 });
      expect((failure as { stderr: string }).stderr).toBe(
        `herald: Another Herald local stack is already using ${dir} (herald dev (npm start), pid ${process.pid}, started 2024-02-20T08:59:00.000Z, console http://127.0.0.1:8787). Nothing was changed. Stop it first (Ctrl-C in its terminal), or give this one its own folder with --state-dir. If you are sure no such process is running, delete ${join(dir, 'herald.lock')}.\n`,
      );
      expect((await readdir(dir)).sort()).toEqual(['herald.lock', 'outbox']);
      expect(await readFile(join(dir, 'herald.lock'), 'utf8')).toBe(lock);
      expect(await readFile(join(dir, 'outbox', 'x', '1', 'a@example.com.eml'), 'utf8')).toBe(
        'the first run’s email',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
