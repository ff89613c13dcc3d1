/**
 * The AWS calls ingest makes for one statement, each with the call it waited
 * for: what the like-for-like ingest floor (bench/harness/ingest-floor.ts)
 * replays. Recorded by running the real handler (bootIngest) once in this
 * process against the bench's emulators, with a timing middleware on each client.
 *
 * A call waited for the one that finished last before it started (`after`;
 * -1 for none). The replay starts each call when that one has finished, so
 * chains that ran side by side in ingest (the press job's claim, publish and
 * mark beside the partner message's) run side by side again. Bodies are
 * replaced by as many bytes, and the statement id by a placeholder, so each
 * replay writes its own keys.
 */
import type { Context } from 'aws-lambda';
import { bootIngest } from '../../functions/ingest/index';
import { createLogger } from '../../functions/shared/logger';
import type { ClientFactory } from '../../functions/shared/runtime';

export interface FloorCall {
  /** `s3`, `dynamodb`, `sns` or `scheduler`. */
  service: string;
  /** The operation without `Command`: `PutObject`, `UpdateItem`, … */
  command: string;
  input: Record<string, unknown>;
  /** It failed for ingest (a conditional write that lost, say). */
  failed: boolean;
  /** The index of the call it waited for, or -1. */
  after: number;
}

/** Stands for the statement id in recorded inputs; the floor puts a fresh id in its place. */
export const ID_PLACEHOLDER = '__HERALD_FLOOR_ID__';

interface Timed extends Omit<FloorCall, 'after'> {
  start: number;
  end: number;
}

type Next = (args: { input: object }) => Promise<{ output: unknown }>;
interface Stack {
  middlewareStack: {
    add(
      mw: (next: Next, context: { clientName?: string; commandName?: string }) => Next,
      options: { step: 'initialize'; priority: 'high'; name: string },
    ): void;
  };
}

/** Body bytes become a string of the same length: the floor uploads as much. */
function replayable(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return 'x'.repeat(value.byteLength);
  if (value instanceof Set) return [...value];
  if (Array.isArray(value)) return value.map(replayable);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replayable(v)]));
}

function timingFactory(into: Timed[]): ClientFactory {
  return {
    create(Client, config) {
      const client = new Client(config);
      (client as unknown as Stack).middlewareStack.add(
        (next, context) => async (args) => {
          const call: Timed = {
            service: (context.clientName ?? '').replace(/Client$/, '').toLowerCase(),
            command: (context.commandName ?? '').replace(/Command$/, ''),
            input: replayable(args.input) as Record<string, unknown>,
            failed: false,
            start: performance.now(),
            end: Number.POSITIVE_INFINITY,
          };
          into.push(call);
          try {
            return await next(args);
          } catch (err) {
            call.failed = true;
            throw err;
          } finally {
            call.end = performance.now();
          }
        },
        { step: 'initialize', priority: 'high', name: 'benchTiming' },
      );
      return client;
    },
  };
}

/** The calls in the order they started, each with the one it waited for. */
function chained(calls: Timed[]): FloorCall[] {
  const byStart = [...calls].sort((a, b) => a.start - b.start);
  return byStart.map(({ service, command, input, failed, start }, i) => {
    let after = -1;
    for (let j = 0; j < i; j++) {
      const end = byStart[j]?.end ?? Number.POSITIVE_INFINITY;
      if (end <= start && (after === -1 || end > (byStart[after]?.end ?? 0))) after = j;
    }
    return { service, command, input, failed, after };
  });
}

/**
 * Runs ingest once, in this process, for `event` (a statement `id` already in the
 * bucket), and returns its calls in the order they started, with `id` replaced by
 * ID_PLACEHOLDER.
 * `env` holds the endpoints and the function's variables, as a child gets them.
 */
export async function recordIngestCalls(
  env: Record<string, string>,
  id: string,
  event: unknown,
): Promise<FloorCall[]> {
  const saved = { ...process.env };
  const calls: Timed[] = [];
  try {
    // The SDK reads endpoints and credentials from the environment when a client is made.
    Object.assign(process.env, env);
    const handler = bootIngest(env, {
      clients: timingFactory(calls),
      logger: createLogger({ logLevel: 'SILENT' }),
    });
    await handler(
      event as Parameters<typeof handler>[0],
      {
        awsRequestId: 'bench-record',
        getRemainingTimeInMillis: () => 30_000,
      } as Context,
    );
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  if (calls.length === 0) throw new Error('ingest made no AWS call: nothing to replay');
  return JSON.parse(JSON.stringify(chained(calls)).replaceAll(id, ID_PLACEHOLDER)) as FloorCall[];
}
