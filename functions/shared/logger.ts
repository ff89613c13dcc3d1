/**
 * The one logger every handler uses: Powertools JSON lines, so CloudWatch
 * Logs Insights can filter on `statementId`, `level` and `service`.
 *
 * Handlers append `statementId` as a persistent key while they work on a
 * statement (and remove it afterwards), so every line about it carries the id.
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

/** Runs `work` with `statementId` on every log line, and takes it off again afterwards. */
export async function withStatementId<T>(
  logger: Logger,
  statementId: string,
  work: () => Promise<T>,
): Promise<T> {
  logger.appendPersistentKeys({ statementId });
  try {
    return await work();
  } finally {
    logger.removePersistentKeys(['statementId']);
  }
}
