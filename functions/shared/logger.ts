/**
 * The one logger every handler uses: Powertools JSON lines, so CloudWatch
 * Logs Insights can filter on `statementId`, `level` and `service`.
 *
 * Handlers append `statementId` (and `revision`) as persistent keys while they
 * work on a statement (and remove them afterwards), so every line about it
 * carries them.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

export { Logger };
export type LoggerOptions = ConstructorOptions;

/** Service name `herald` unless POWERTOOLS_SERVICE_NAME (set by the stack) or the caller says otherwise. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return new Logger({
    ...options,
    serviceName: options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? 'herald',
  });
}

/** The statement (and revision, when one is known) every line about it carries. */
export interface StatementLogKeys {
  statementId: string;
  revision?: number;
}

/** Runs `work` with the statement's keys on every log line, and takes them off again afterwards. */
export async function withStatement<T>(
  logger: Logger,
  keys: StatementLogKeys,
  work: () => Promise<T>,
): Promise<T> {
  logger.appendPersistentKeys({ ...keys });
  try {
    return await work();
  } finally {
    logger.removePersistentKeys(Object.keys(keys));
  }
}
