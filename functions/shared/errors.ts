/**
 * Named errors for the Lambda handlers. Anything thrown out of a handler is
 * retried and finally dead-lettered: by Lambda's async retries (two) for S3,
 * SNS, EventBridge Scheduler and rule invocations, or by SQS redelivery for
 * queue consumers. So only throw for conditions a retry can fix or an operator
 * must see; problems with a person's file become a rejection report instead.
 */
import { HeraldError } from '../../core/errors';
import type { Issue } from '../../core/types';
import type { QueueName } from './ports';

/**
 * The name an error carries (`NoSuchKey`, `ConditionalCheckFailedException`, …), or
 * undefined for a thrown non-Error. By name, not instanceof: a duplicated SDK copy
 * (or a test mock) breaks instanceof.
 */
export function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/** `err` is an Error named one of `names` (an AWS SDK service exception, typically). */
export function isAwsError(err: unknown, ...names: string[]): err is Error {
  const name = errorName(err);
  return name !== undefined && names.includes(name);
}

/** The HTTP status an AWS SDK error carries (`$metadata.httpStatusCode`), if any. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('$metadata' in err)) return undefined;
  const metadata: unknown = err.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata)) {
    return undefined;
  }
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/** A retry later is expected to succeed (another invocation holds a lease, a dependency is busy). */
export class RetryableError extends HeraldError {
  override name = 'RetryableError';
}

/**
 * A side effect is claimed by another invocation whose lease has not run out.
 * Retrying later either finds it `done` or finds the lease expired and redoes it.
 */
export class EffectInProgressError extends RetryableError {
  override name = 'EffectInProgressError';
  constructor(
    readonly pk: string,
    readonly sk: string,
    readonly leaseUntil: string,
  ) {
    super(`${pk} ${sk} is being handled by another invocation until ${leaseUntil}; retry later`);
  }
}

/**
 * The release fired before the embargo lift time. EventBridge Scheduler invokes
 * release asynchronously, so its own retry policy does not apply to this error:
 * Lambda retries the invocation twice (about 1 and 2 minutes later), then sends
 * it to the release on-failure queue. The release sweep (every 5 minutes)
 * releases the statement after the lift either way.
 */
export class EmbargoNotLiftedError extends RetryableError {
  override name = 'EmbargoNotLiftedError';
  constructor(
    readonly id: string,
    readonly revision: number,
    readonly until: string,
  ) {
    super(`release of ${id} r${revision} fired before the embargo lifts at ${until}`);
  }
}

/** A message body between functions does not match its contract (functions/shared/messages.ts). */
export class MessageFormatError extends HeraldError {
  override name = 'MessageFormatError';
  readonly issues: Issue[];
  constructor(what: string, issues: Issue[]) {
    super(
      `${what} message is not valid: ${issues.map((i) => `${i.path || '(message)'}: ${i.message}`).join('; ')}`,
    );
    this.issues = issues;
  }
}

/** A ledger item does not have the shape this version of Herald writes (hand-edited, or a bug). */
export class LedgerItemError extends HeraldError {
  override name = 'LedgerItemError';

  static from(
    what: string,
    item: Record<string, unknown>,
    issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>,
  ): LedgerItemError {
    const where = `${String(item.pk ?? '?')} ${String(item.sk ?? '?')}`;
    const problems = issues.map((i) => `${i.path.map(String).join('.') || '(item)'}: ${i.message}`);
    return new LedgerItemError(`The ${what} item ${where} is not valid: ${problems.join('; ')}`);
  }
}

/** The function was not given the ARN/URL of a topic or queue it tried to use. */
export class DestinationNotConfiguredError extends HeraldError {
  override name = 'DestinationNotConfiguredError';
}

/** SQS refused some entries of a batch. The whole call is retried (send dedupes per recipient). */
export class QueueSendError extends HeraldError {
  override name = 'QueueSendError';
  constructor(
    readonly queue: QueueName,
    readonly failures: Array<{ id: string; code: string; message: string }>,
  ) {
    super(
      `SQS refused ${failures.length} message(s) for the ${queue} queue: ${failures
        .map((f) => `${f.id} ${f.code} ${f.message}`)
        .join('; ')}`,
    );
  }
}
