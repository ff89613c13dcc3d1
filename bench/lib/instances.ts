/**
 * A pool of warm Lambda instances, each a child process running a bundle
 * (bench/harness/lambda-worker.ts). `invoke` hands an event to an idle
 * instance, as an event source mapping does; the pool is as large as the
 * function's concurrency, so there is always one idle.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { bundleHarness } from './bundle';
import type { BenchContext } from './types';

export interface Instances {
  /** Handles `event` on an idle instance and returns the handler's result. */
  invoke(event: unknown): Promise<unknown>;
  /** Median time the instances took to import the bundle (their init phase). */
  importMs: number[];
  stop(): Promise<void>;
}

type Reply = { ready: true; importMs: number } | { id: number; result?: unknown; error?: string };

export async function startInstances(
  ctx: BenchContext,
  bundleFile: string,
  count: number,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<Instances> {
  const script = await bundleHarness(
    join(ctx.root, 'bench/harness/lambda-worker.ts'),
    join(ctx.buildDir, 'harness/lambda-worker.mjs'),
  );
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const importMs: number[] = [];
  const children: ChildProcess[] = [];
  let nextId = 0;
  const start = () =>
    new Promise<ChildProcess>((resolve, reject) => {
      // Logs go nowhere, as they would go to CloudWatch; errors stay visible.
      const child = fork(script, [bundleFile, String(timeoutMs)], {
        env,
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      child.on('message', (reply: Reply) => {
        if ('ready' in reply) {
          importMs.push(reply.importMs);
          resolve(child);
          return;
        }
        const waiter = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
        else waiter?.resolve(reply.result);
      });
      child.once('exit', (code) => {
        for (const waiter of pending.values()) waiter.reject(new Error(`instance exited ${code}`));
        reject(new Error(`instance exited ${code} before it was ready`));
      });
    });
  try {
    for (let i = 0; i < count; i++) children.push(await start());
  } catch (error) {
    for (const child of children) child.kill();
    throw error;
  }
  const idle = [...children];
  return {
    importMs,
    async invoke(event) {
      const child = idle.pop();
      if (!child) throw new Error(`more concurrent invocations than the ${count} instances`);
      try {
        return await new Promise((resolve, reject) => {
          const id = ++nextId;
          pending.set(id, { resolve, reject });
          child.send({ id, event });
        });
      } finally {
        idle.push(child);
      }
    },
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.disconnect();
            }),
        ),
      );
    },
  };
}
