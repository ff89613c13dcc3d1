/**
 * One local stack per state folder: a second start while the first runs stops before it
 * changes anything, a lock left by a dead process is replaced, a taken port stops a start
 * before the previous run's outputs are touched, and those outputs are kept unless the
 * start is fresh.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../core/config/schema';
import { frozenClock } from '../../local/clock';
import { PortInUseError } from '../../local/errors';
import { type LocalStack, StateDirLockedError, startLocalStack } from '../../local/stack';
import { LOCK_FILE, readStateLock } from '../../local/state-lock';
import { REPO, startTestStack, TEST_CONFIG, type TestStack } from '../helpers/local-stack';

const RANDOM_PORTS = { s3: 0, ses: 0, dynamodb: 0, http: 0 };
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function startIn(stateDir: string, options: { fresh?: boolean; http?: number } = {}) {
  return startLocalStack({
    stateDir,
    config: configSchema.parse(TEST_CONFIG),
    ports: { ...RANDOM_PORTS, ...(options.http === undefined ? {} : { http: options.http }) },
    clock: frozenClock(new Date('2024-02-20T09:00:00Z')),
    delayScale: 0,
    sendRatePerSecond: 1000,
    command: 'the test',
    ...(options.fresh === undefined ? {} : { fresh: options.fresh }),
  });
}

/** Every file under `dir` (relative paths) with its bytes, to prove nothing changed. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), await readFile(path, 'base64'));
  }
  return files;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-state-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('the state folder', () => {
  it('a second start while one runs fails at once and changes nothing of the first', async () => {
    const first: TestStack = await startTestStack();
    cleanup.push(() => first.stop());
    await first.upload('01.json', await first.readExample('01-bscp-serious-case-review.json'));
    await first.drain();
    const stateDir = first.paths.stateDir;
    const before = await snapshot(stateDir);
    expect([...before.keys()].some((p) => p.startsWith('outbox/bscp-2024-02-scr/1/'))).toBe(true);
    expect([...before.keys()].some((p) => p.startsWith('partners/'))).toBe(true);
    expect([...before.keys()].some((p) => p.startsWith('s3/'))).toBe(true);

    const second = await startIn(stateDir).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(StateDirLockedError);
    expect((second as Error).message).toMatch(
      new RegExp(`already using .*pid ${process.pid}.*Nothing was changed.*--state-dir`),
    );
    expect(await snapshot(stateDir)).toEqual(before);

    // The first stack still works, and still holds the lock.
    await first.upload(
      '02.json',
      await first.readExample('02-westmere-council-winter-gritting.json'),
    );
    await first.drain();
    expect(await first.emlFiles('westmere-2024-02-gritting', 1)).not.toEqual([]);
    expect((await readStateLock(stateDir))?.pid).toBe(process.pid);
  });

  it('its lock names the running stack’s ledger and pages, and goes when the stack stops', async () => {
    const stateDir = await tempDir();
    const stack = await startIn(stateDir);
    const lock = await readStateLock(stateDir);
    expect(lock).toMatchObject({
      pid: process.pid,
      command: 'the test',
      table: stack.tableName,
      endpoints: { dynamodb: stack.endpoints.dynamodb, http: stack.endpoints.http },
      timezone: 'Europe/London',
    });
    await stack.stop();
    expect(await readStateLock(stateDir)).toBeNull();
    expect(await readdir(stateDir)).not.toContain(LOCK_FILE);
  });

  it('replaces a lock left by a process that has exited, and says so', async () => {
    const stateDir = await tempDir();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = { pid: dead, host: hostname(), startedAt: '2024-02-20T08:00:00Z', command: 'x' };
    await writeFile(join(stateDir, LOCK_FILE), JSON.stringify(stale));
    const stack = await startIn(stateDir);
    cleanup.push(() => stack.stop());
    expect(stack.staleLock).toMatchObject({ pid: dead });
    expect((await readStateLock(stateDir))?.pid).toBe(process.pid);
  });

  it('a taken port stops the start before the previous run’s outputs are touched', async () => {
    const stateDir = await tempDir();
    await mkdir(join(stateDir, 'outbox', 'x', '1'), { recursive: true });
    await writeFile(join(stateDir, 'outbox', 'x', '1', 'a@example.com.eml'), 'kept');
    const before = await snapshot(stateDir);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    const failed = await startIn(stateDir, { http: port }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(PortInUseError);
    expect((failed as Error).message).toContain('--http-port');
    expect(await snapshot(stateDir)).toEqual(before);
  });

  it('keeps the previous run’s outputs in previous-run/ unless the start is fresh', async () => {
    const stateDir = await tempDir();
    const runOnce = async (fresh: boolean): Promise<LocalStack> => {
      const stack = await startIn(stateDir, { fresh });
      await stack.putObject('lists/press.csv', await readFile(join(REPO, 'examples/press.csv')));
      await stack.upload(
        '02.json',
        await readFile(join(REPO, 'examples/statements/02-westmere-council-winter-gritting.json')),
      );
      await stack.drain();
      await stack.stop();
      return stack;
    };
    expect((await runOnce(false)).previousRun).toEqual({ action: 'none', path: null });
    const second = await runOnce(false);
    expect(second.previousRun).toEqual({ action: 'kept', path: join(stateDir, 'previous-run') });
    const kept = await readdir(
      join(stateDir, 'previous-run', 'outbox', 'westmere-2024-02-gritting', '1'),
    );
    expect(kept.length).toBeGreaterThan(0);
    // The new run's own outbox holds one copy per journalist, not a second one.
    expect(
      (await readdir(join(stateDir, 'outbox', 'westmere-2024-02-gritting', '1'))).sort(),
    ).toEqual(kept.sort());

    const third = await runOnce(true);
    expect(third.previousRun).toEqual({ action: 'deleted', path: null });
    expect(await readdir(stateDir)).not.toContain('previous-run');
  });
});
