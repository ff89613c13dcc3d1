/**
 * Records every SDK command a function issues: a middleware at the start of each of its
 * clients' initialize step, so a call is seen with its input before anything can answer,
 * fail or retry it (an injected fault or an in-process service still counts as a call).
 *
 * The record has the shape the permission check reads: which function, which service
 * (the IAM service prefix) and which command (the API operation, e.g. `PutObject`), and
 * the command's input (bucket and key, table, topic, queue, secret, schedule).
 */
import type { HandlerExecutionContext, MiddlewareStack } from '@smithy/types';

export interface AwsCall {
  /** The Herald function that made the call (`ingest`, `website-hook`, ...). */
  function: string;
  /** The IAM service prefix: `s3`, `ses`, `dynamodb`, `sns`, `sqs`, `scheduler`, `secretsmanager`. */
  service: string;
  /** The API operation, without `Command`: `PutObject`, `Publish`, `SendMessageBatch`. */
  command: string;
  input: unknown;
}

/**
 * Called synchronously for each call. Throwing fails that call before it leaves, as a
 * denied request would (the handler sees the error and retries or reports it).
 */
export type AwsCallListener = (call: AwsCall) => void;

/** `PutObjectCommand` → `PutObject`. */
export function operationName(context: HandlerExecutionContext): string {
  return (context.commandName ?? 'Unknown').replace(/Command$/, '');
}

export function recordAwsCalls<Input extends object, Output extends object>(
  stack: MiddlewareStack<Input, Output>,
  caller: { function: string; service: string },
  listener: AwsCallListener,
): void {
  stack.add(
    (next, context) => async (args) => {
      listener({ ...caller, command: operationName(context), input: args.input });
      return next(args);
    },
    { step: 'initialize', priority: 'high', name: 'heraldLocalAwsCallRecorder', override: true },
  );
}
