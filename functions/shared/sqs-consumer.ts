/**
 * The one shape of Herald's SQS-triggered handlers (dispatch, send,
 * website-hook): Powertools' BatchProcessor reports partial batch failures
 * (`ReportBatchItemFailures` on the event source), so one bad record never
 * makes SQS redeliver the others. A record fails when its work throws; a
 * malformed body fails too and ends in the queue's dead-letter queue. Every
 * message names a statement revision, which is on each log line of its work.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { InvocationContext } from './invocation';
import { type Logger, withStatement } from './logger';

/** The record's work is not finished and must be redelivered later (not an error). */
export class RedeliverLaterError extends Error {
  override name = 'RedeliverLaterError';
}

/** What every queue message carries: the statement revision it is about. */
interface StatementMessage {
  id: string;
  revision: number;
}

export interface SqsConsumer<T extends StatementMessage> {
  /** The queue's message, parsed with its schema (functions/shared/messages.ts). */
  parse(body: string): T;
  /** Throws to have SQS redeliver this record. */
  handle(message: T, context: InvocationContext | undefined): Promise<void>;
  /** What to log about a failed record besides its statement id and revision (batch, type, …). */
  describe(message: T): Record<string, unknown>;
  logger: Logger;
  /** Records handled one after another (send paces across them). @default true */
  sequential?: boolean;
}

export function sqsConsumer<T extends StatementMessage>(
  consumer: SqsConsumer<T>,
): (event: SQSEvent, context?: InvocationContext) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    const record = async (item: SQSRecord) => {
      let message: T | undefined;
      try {
        const parsed = consumer.parse(item.body);
        message = parsed;
        await withStatement(
          consumer.logger,
          { statementId: parsed.id, revision: parsed.revision },
          () => consumer.handle(parsed, context),
        );
      } catch (err) {
        const fields = {
          ...(message === undefined
            ? {}
            : {
                statementId: message.id,
                revision: message.revision,
                ...consumer.describe(message),
              }),
          messageId: item.messageId,
          error: err,
        };
        if (err instanceof RedeliverLaterError) consumer.logger.warn(err.message, fields);
        else consumer.logger.error('Record failed; SQS will redeliver it', fields);
        throw err;
      }
    };
    return processPartialResponse(event, record, processor, {
      throwOnFullBatchFailure: false,
      processInParallel: !(consumer.sequential ?? true),
    });
  };
}
