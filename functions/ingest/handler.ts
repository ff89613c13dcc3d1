/**
 * `ingest`: S3 ObjectCreated on `incoming/*.json` → a verdict per file
 * (upload.ts, then accept.ts, where the lifecycle decides what it does); and,
 * with approval configured, approval decisions (approval.ts): from the
 * approval function through the approvals topic (SNS records), or from
 * `herald approve` / `herald reject` (the message itself).
 *
 * Errors that are not about the file (throttling, 5xx, timeouts, a busy
 * statement) are rethrown so Lambda retries the event; the uploaded file is
 * never deleted.
 */
import type { S3EventRecord, SNSEventRecord } from 'aws-lambda';
import { type InvocationContext, invocationRunner } from '../shared/invocation';
import type { EffectRunner } from '../shared/ledger/effects';
import { type ApprovalDecisionMessage, parseApprovalDecision } from '../shared/messages';
import { handleApprovalDecision } from './decision';
import type { IngestDeps, IngestOutcome } from './types';
import { ingestRecord } from './upload';

export type { IngestDeps, IngestOutcome, IngestSettings } from './types';

/** What invokes ingest: S3 and SNS events (records), or a decision message sent directly. */
export type IngestEvent =
  | { Records?: Array<S3EventRecord | SNSEventRecord> }
  | ApprovalDecisionMessage;

export function createIngestHandler(
  deps: IngestDeps,
): (event: IngestEvent, context?: InvocationContext) => Promise<IngestOutcome[]> {
  return async (event, context) => {
    const runner = invocationRunner(deps, context, deps.settings.effectLeaseMs);
    if (!('Records' in event)) {
      return [await handleApprovalDecision(deps, runner, parseApprovalDecision(event))];
    }
    const outcomes: IngestOutcome[] = [];
    const failures: unknown[] = [];
    // One failing record must not stop the others; the retry redoes only what is not done.
    for (const record of event.Records ?? []) {
      try {
        const outcome = await handleRecord(deps, runner, record);
        deps.logger.info('Ingest verdict', { ...outcome });
        outcomes.push(outcome);
      } catch (err) {
        deps.logger.error('Ingest failed; the event will be retried', {
          record: 's3' in record ? record.s3.object.key : record.Sns.MessageId,
          error: err,
        });
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
    return outcomes;
  };
}

function handleRecord(
  deps: IngestDeps,
  runner: EffectRunner,
  record: S3EventRecord | SNSEventRecord,
): Promise<IngestOutcome> {
  if ('s3' in record) return ingestRecord(deps, runner, record);
  return handleApprovalDecision(deps, runner, parseApprovalDecision(record.Sns.Message));
}
