/**
 * The AWS calls ingest makes for one statement, as waves of calls that ran at
 * the same time: what the like-for-like ingest floor (bench/harness/ingest-floor.ts)
 * replays. Recorded by running the real handler (bootIngest) once in this
 * process against the bench's emulators, with a timing middleware on each client.
 *
 * A call joins the current wave when it started before any call of that wave
 * had finished (it could not have waited for one); otherwise it starts a new
 * wave. Bodies are replaced by as many bytes, and the statement id by a
 * placeholder, so each replay writes its own keys.
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
}

/** Stands for the statement id in recorded inputs; the floor puts a fresh id in its place. */
export const ID_PLACEHOLDER = '__HERALD_FLOOR_ID__';

interface Timed extends FloorCall {
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

const floorCall = ({ service, command, input, failed }: Timed): FloorCall => ({
  service,
  command,
  input,
  failed,
});

function waves(calls: Timed[]): FloorCall[][] {
  const out: FloorCall[][] = [];
  let wave: Timed[] = [];
  for (const call of [...calls].sort((a, b) => a.start - b.start)) {
    if (wave.length > 0 && call.start >= Math.min(...wave.map((c) => c.end))) {
      out.push(wave.map(floorCall));
      wave = [];
    }
    wave.push(call);
  }
  if (wave.length > 0) out.push(wave.map(floorCall));
  return out;
}

/**
 * Runs ingest once, in this process, for `event` (a statement `id` already in the
 * bucket), and returns its calls as waves with `id` replaced by ID_PLACEHOLDER.
 * `env` holds the endpoints and the function's variables, as a child gets them.
 */
export async function recordIngestCalls(
  env: Record<string, string>,
  id: string,
  event: unknown,
): Promise<FloorCall[][]> {
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
  return JSON.parse(JSON.stringify(waves(calls)).replaceAll(id, ID_PLACEHOLDER)) as FloorCall[][];
}
