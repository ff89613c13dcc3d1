/**
 * Child: one warm Lambda instance. Imports a bundle's index.mjs once (the
 * init phase), then handles the events its parent sends over IPC one at a
 * time, as an instance behind an SQS event source does. Each instance is its
 * own process, as in AWS, so per-instance state (the send pacer, cached
 * clients) is never shared.
 * Usage (fork): lambda-worker.mjs <bundle index.mjs> <timeout ms>
 * IPC in: {id, event}; out: {ready, importMs} once, then {id, result} or {id, error}.
 */
import { pathToFileURL } from 'node:url';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const [bundle, timeout] = process.argv.slice(2);
if (!bundle || !process.send) {
  process.stderr.write('usage: fork lambda-worker.mjs <bundle> <timeout ms> (with IPC)\n');
  process.exit(2);
}
const timeoutMs = Number(timeout ?? 30_000);
const send = (message: unknown) => process.send?.(message);

const t0 = performance.now();
const mod = (await import(pathToFileURL(bundle).href)) as { handler?: Handler };
const handler = mod.handler;
if (typeof handler !== 'function') throw new Error(`${bundle} exports no handler`);
send({ ready: true, importMs: performance.now() - t0 });

let invocations = 0;
process.on('message', (message: { id: number; event: unknown }) => {
  const started = Date.now();
  const context = {
    awsRequestId: `bench-${process.pid}-${++invocations}`,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench',
    getRemainingTimeInMillis: () => Math.max(0, started + timeoutMs - Date.now()),
  };
  handler(message.event, context).then(
    (result) => send({ id: message.id, result: result ?? null }),
    (error: unknown) =>
      send({ id: message.id, error: error instanceof Error ? error.stack : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
