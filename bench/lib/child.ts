/**
 * Child processes: cold starts and memory are only meaningful in a fresh
 * process, so harnesses run as plain `node file.mjs` (no tsx loader in the
 * measured process) and report one JSON line on stdout.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ChildResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function runNode(
  script: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${script} timed out after ${options.timeoutMs} ms\n${stderr.slice(-2000)}`),
      );
    }, options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** The last stdout line that parses as a JSON object: harnesses print their result last. */
export function lastJson<T>(result: ChildResult, what: string): T {
  const lines = result.stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // not the result line; keep looking
    }
  }
  throw new Error(
    `${what}: no JSON result (exit ${result.code})\nstdout: ${result.stdout.slice(-1500)}\nstderr: ${result.stderr.slice(-3000)}`,
  );
}

/** A long-lived child (an emulator) that prints `{"port": n}` once it listens. */
export function startServerChild(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const onData = (chunk: string) => {
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      child.stdout?.off('data', onData);
      const { port } = JSON.parse(line) as { port: number };
      resolve({
        port,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${script} exited ${code} before listening\n${stderr}`)),
    );
  });
}
