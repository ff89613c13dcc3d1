/**
 * One local stack per state folder. `startLocalStack` takes `<stateDir>/herald.lock`
 * before it deletes, moves or writes anything there, so a second `npm start` against
 * the same folder stops at once and leaves the first one's outbox, partners and S3 data
 * alone.
 *
 * The lock file is created exclusively (`wx`) and holds JSON: the owner's pid, host and
 * start time, then (once the servers listen) their ports and URLs, which `herald status`
 * reads to find the running stack's ledger. A lock whose process is gone (same host, pid
 * not alive) is stale: it is taken over, and the caller is told. A lock from another
 * host cannot be checked, so it is respected.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LocalStackError } from './errors';

export const LOCK_FILE = 'herald.lock';

/** What the lock file says about the stack that holds it. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** What took the lock, for the message a second start prints (`herald dev`). */
  command: string;
  /** Set once the servers listen. */
  ports?: { s3: number; ses: number; dynamodb: number; http: number };
  endpoints?: { dynamodb: string; http: string; console?: string };
  /** The ledger table in the local DynamoDB. */
  table?: string;
  /** The config's time zone, for times shown by tools that read this file. */
  timezone?: string;
}

/** Another live process holds the state folder. */
export class StateDirLockedError extends LocalStackError {
  override name = 'StateDirLockedError';
  constructor(
    readonly stateDir: string,
    readonly holder: LockInfo,
  ) {
    const where = holder.endpoints?.console ?? holder.endpoints?.http;
    super(
      `Another Herald local stack is already using ${stateDir} (${holder.command}, pid ${holder.pid}, started ${holder.startedAt}${where ? `, console ${where}` : ''}). ` +
        `Nothing was changed. Stop it first (Ctrl-C in its terminal), or give this one its own folder with --state-dir. ` +
        `If you are sure no such process is running, delete ${join(stateDir, LOCK_FILE)}.`,
    );
  }
}

export interface StateLock {
  readonly path: string;
  readonly info: LockInfo;
  /** The lock left by a process that is gone, which this one replaced. */
  readonly staleFrom: LockInfo | null;
  /** Adds what is known once the servers listen (ports, URLs). */
  update(more: Partial<LockInfo>): Promise<void>;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
}

/** Whether `pid` is a live process on this host (EPERM: alive, owned by someone else). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): LockInfo | null {
  try {
    const value: unknown = JSON.parse(text);
    if (
      typeof value === 'object' &&
      value !== null &&
      'pid' in value &&
      typeof value.pid === 'number' &&
      'host' in value &&
      typeof value.host === 'string'
    ) {
      return value as LockInfo;
    }
  } catch {
    // Half-written or not ours: treated as unreadable below.
  }
  return null;
}

async function readLockFile(path: string): Promise<{ text: string; info: LockInfo | null } | null> {
  try {
    const text = await readFile(path, 'utf8');
    return { text, info: parseLock(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Whether a lock is held by a live process (or one on another host, which cannot be checked). */
function isHeld(info: LockInfo): boolean {
  return info.host !== hostname() || isAlive(info.pid);
}

/** The lock of a running stack in `stateDir`, or null when none is running there. */
export async function readStateLock(stateDir: string): Promise<LockInfo | null> {
  const found = await readLockFile(join(stateDir, LOCK_FILE));
  return found?.info && isHeld(found.info) ? found.info : null;
}

/**
 * Takes the state folder's lock (creating the folder). Throws StateDirLockedError when a
 * live process holds it; replaces a stale one.
 */
export async function acquireStateLock(stateDir: string, command: string): Promise<StateLock> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, LOCK_FILE);
  let info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command,
  };
  let staleFrom: LockInfo | null = null;
  for (let attempt = 0; ; attempt++) {
    if (attempt >= 4) {
      throw new LocalStackError(
        `Could not take the lock ${path}: other processes keep changing it. Try again.`,
      );
    }
    try {
      await writeFile(path, `${JSON.stringify(info, null, 2)}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = await readLockFile(path);
    if (existing === null) continue; // Released in between: try again.
    if (existing.info && isHeld(existing.info)) {
      throw new StateDirLockedError(stateDir, existing.info);
    }
    if (existing.info === null && attempt === 0) {
      // Possibly being written right now by another start: look once more before judging.
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    // Stale: remove it only if it is still the file we judged (another start may have replaced it).
    const again = await readLockFile(path);
    if (again !== null && again.text !== existing.text) continue;
    staleFrom = existing.info ?? {
      pid: 0,
      host: 'unknown',
      startedAt: 'unknown',
      command: 'an unreadable lock file',
    };
    await unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  let released = false;
  return {
    path,
    get info() {
      return info;
    },
    staleFrom,
    async update(more) {
      if (released) return;
      info = { ...info, ...more };
      // Write-then-rename: a reader never sees a half-written lock.
      const temporary = `${path}.${randomUUID()}.tmp`;
      await writeFile(temporary, `${JSON.stringify(info, null, 2)}\n`);
      await rename(temporary, path);
    },
    async release() {
      if (released) return;
      released = true;
      const current = await readLockFile(path);
      if (current?.info?.pid === info.pid && current.info.startedAt === info.startedAt) {
        await unlink(path).catch(() => undefined);
      }
    },
  };
}
