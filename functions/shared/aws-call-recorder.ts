/**
 * Records every AWS SDK command a client sends, so tests (and the local stack)
 * can check each call against the IAM permissions the function is deployed
 * with (test/iam/). It is SDK middleware at the `initialize` step, so it sees the
 * command exactly as the handler built it, before any retry or serialisation,
 * and it sees calls that fail too (with the error's name).
 *
 * Attach it to every client a function uses:
 *
 *   const calls: AwsCallRecord[] = [];
 *   recordAwsCalls(s3, 'ingest', calls);
 *   recordAwsCalls(ddb, 'ingest', calls); // the DynamoDB client under a document client
 *
 * A lib-dynamodb document client shares its DynamoDB client's middleware stack,
 * so attaching to either records its commands once (as `GetItem`, `PutItem`, …,
 * with the document-form input). Attaching twice to one client replaces the
 * first recorder instead of recording twice.
 *
 * No test-only imports: the local stack imports this from its own code.
 */

/** One SDK command as a function issued it. */
export interface AwsCallRecord {
  /** The Herald function that issued it (`ingest`, `send`, …). */
  readonly function: string;
  /** The IAM service prefix: `s3`, `dynamodb`, `sns`, `sqs`, `scheduler`, `secretsmanager`, `ses`, `lambda`. */
  readonly service: string;
  /** The operation without `Command`: `PutObject`, `GetItem`, `Publish`, … */
  readonly command: string;
  /** The command's input; binary bodies and streams are replaced by `{ bytes }` / `{ stream: true }`. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The error's name when the call failed (`NoSuchKey`, `ConditionalCheckFailedException`, …). */
  error?: string;
}

/** Where records go: an array, or anything with `push` (a JSONL writer, say). */
export interface AwsCallSink {
  push(record: AwsCallRecord): unknown;
}

/** The middleware name; `override` replaces an earlier recorder on the same stack. */
export const AWS_CALL_RECORDER_NAME = 'heraldAwsCallRecorder';

type Handler = (args: { input: object }) => Promise<{ output: unknown }>;
type RecorderMiddleware = (
  next: Handler,
  context: { clientName?: string; commandName?: string },
) => Handler;

/**
 * The part of an SDK v3 client this needs. Structural on purpose: every
 * `@aws-sdk/client-*` client (and a document client) fits without importing
 * the SDK's internal type packages.
 */
export interface RecordableClient {
  readonly middlewareStack: {
    add(
      middleware: RecorderMiddleware,
      options: { step: 'initialize'; priority: 'high'; name: string; override: boolean },
    ): void;
  };
}

export function recordAwsCalls(
  client: RecordableClient,
  functionName: string,
  sink: AwsCallSink,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const record: AwsCallRecord = {
        function: functionName,
        service: serviceOf(context.clientName),
        command: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
        input: snapshot(args.input, 0) as Record<string, unknown>,
      };
      sink.push(record);
      try {
        return await next(args);
      } catch (err) {
        record.error = err instanceof Error ? err.name : typeof err;
        throw err;
      }
    },
    { step: 'initialize', priority: 'high', name: AWS_CALL_RECORDER_NAME, override: true },
  );
}

/** `S3Client` → `s3`, `SecretsManagerClient` → `secretsmanager`: the IAM prefix for our clients. */
function serviceOf(clientName: string | undefined): string {
  return (clientName ?? 'unknown').replace(/Client$/, '').toLowerCase();
}

/** A copy that outlives the call and stays small: no bodies, no streams, no functions. */
function snapshot(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' ? undefined : value;
  }
  if (value instanceof Uint8Array) return { bytes: value.byteLength };
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Set) return [...value].map((v) => snapshot(v, depth + 1));
  if ('pipe' in value || Symbol.asyncIterator in value) return { stream: true };
  if (depth > 8) return '…';
  if (Array.isArray(value)) return value.map((v) => snapshot(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const copy = snapshot(v, depth + 1);
    if (copy !== undefined) out[key] = copy;
  }
  return out;
}
