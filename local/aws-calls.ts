/**
 * What the local stack tells a listener about each SDK command a function issues:
 * the records of functions/shared/aws-call-recorder.ts (the permission check in
 * test/iam reads the same records).
 */
import type { HandlerExecutionContext } from '@smithy/types';
import type { AwsCallRecord } from '../functions/shared/aws-call-recorder';

export type AwsCall = AwsCallRecord;

/**
 * Called synchronously for each call. Throwing fails that call before it leaves, as a
 * denied request would (the handler sees the error and retries or reports it).
 */
export type AwsCallListener = (call: AwsCall) => void;

/** `PutObjectCommand` → `PutObject`. */
export function operationName(context: HandlerExecutionContext): string {
  return (context.commandName ?? 'Unknown').replace(/Command$/, '');
}
