/**
 * dispatch: one PressJob (a statement revision for the press) → SendBatch
 * messages of ≤ 50 journalists on the send queue.
 *
 * The job says whom (core/lifecycle decided it): the press-list topics to
 * select, and whether everyone sent an earlier revision is included (a
 * correction; only them for a withdrawal — read with strong consistency, so a
 * journalist claimed just before the withdrawal is not missed). It streams the
 * press list from S3, keeps the matching rows, drops suppressed addresses, and
 * enqueues. A job for a revision that a newer one has replaced does nothing:
 * the newer revision's own job covers everyone. Bad press-list rows go to the
 * ops topic once per statement revision.
 *
 * It streams end to end: each batch of 50 is enqueued (10 to an SQS call) as
 * soon as it is full, so memory holds the addresses seen, not the recipients
 * (docs/performance.md, dispatch.peakRssMB).
 *
 * A redelivered PressJob enqueues the same batches again, and so does a
 * retry after a failure half-way through the list. That is safe: `send`
 * claims every recipient in the ledger before calling SES, so a journalist
 * already mailed for this revision is skipped.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HeraldError } from '../../core/errors';
import { decideDelivery } from '../../core/lifecycle';
import {
  CorrectionAudience,
  matchesTopics,
  type PressListProblem,
  readPressList,
  toRecipient,
} from '../../core/press-list';
import { noteDispatched } from '../shared/delivery-report';
import { type InvocationContext, invocationRunner } from '../shared/invocation';
import { ledgerOf } from '../shared/ledger/client';
import type { EffectRunner } from '../shared/ledger/effects';
import { recipientsOf } from '../shared/ledger/sends';
import { getHead } from '../shared/ledger/statements';
import type { Logger } from '../shared/logger';
import { type PressJob, parsePressJob } from '../shared/messages';
import type { Publisher, QueueSender } from '../shared/ports';
import { sqsConsumer } from '../shared/sqs-consumer';
import { type Batcher, createBatcher } from './batcher';
import { openPressList, reportProblems } from './press-list';

export interface DispatchSettings {
  bucket: string;
  tableName: string;
  /** Usually `lists/press.csv`. */
  pressListKey: string;
}

export interface DispatchDeps {
  s3: S3Client;
  ddb: DynamoDBDocumentClient;
  queue: QueueSender;
  /** For the ops topic. */
  publisher: Publisher;
  logger: Logger;
  clock: () => Date;
  settings: DispatchSettings;
}

/** The press list could not be read at all; the job is retried (then dead-lettered) so nobody is skipped. */
export class PressListUnreadableError extends HeraldError {
  override name = 'PressListUnreadableError';
}

/** Lease on the report marker when no Lambda context tells us the deadline. */
const DEFAULT_LEASE_MS = 60_000;

export interface DispatchSummary {
  recipients: number;
  batches: number;
  suppressed: number;
  problems: number;
  /** A newer revision replaced this one before dispatch: nothing was enqueued. */
  superseded: boolean;
}

export function createDispatchHandler(deps: DispatchDeps) {
  return sqsConsumer<PressJob>({
    parse: parsePressJob,
    describe: (job) => ({ type: job.type }),
    logger: deps.logger,
    handle: (job, context) => handleJob(deps, job, context),
  });
}

async function handleJob(
  deps: DispatchDeps,
  job: PressJob,
  context: InvocationContext | undefined,
): Promise<void> {
  const runner = invocationRunner(deps, context, DEFAULT_LEASE_MS);
  const summary = await dispatch(deps, runner, job);
  deps.logger.info('Press job dispatched', { type: job.type, ...summary });
}

async function dispatch(
  deps: DispatchDeps,
  runner: EffectRunner,
  job: PressJob,
): Promise<DispatchSummary> {
  if (decideDelivery(await getHead(ledgerOf(deps), job.id), job.revision) === 'superseded') {
    return { recipients: 0, batches: 0, suppressed: 0, problems: 0, superseded: true };
  }
  const out = createBatcher(deps, job);
  const audienceFor = correctionAudience(deps, job);
  const problems = await enqueuePressList(deps, job, out, audienceFor);
  problems.sort((a, b) => a.line - b.line);
  // A fatal problem comes before any row (no header, empty or missing file), so nothing was enqueued.
  const readable = !problems.some((p) => p.severity === 'fatal');
  // A withdrawal still goes to earlier recipients when the list is broken; anything else waits for a fix.
  if (!readable && job.type !== 'withdrawn') {
    await reportProblems(deps, runner, job, problems);
    throw new PressListUnreadableError(
      `The press list ${deps.settings.pressListKey} could not be read: ${problems[0]?.message ?? 'unknown problem'}`,
    );
  }
  const correction = await audienceFor();
  if (correction !== null) for (const recipient of correction.rest()) await out.add(recipient);
  const summary = await out.finish();
  // The delivery report goes to ops when the last batch is done (or now, if there were none).
  await noteDispatched(runner, deps.publisher, {
    id: job.id,
    revision: job.revision,
    ...summary,
  });
  // After enqueueing, so a problem with the ops topic never holds up the press.
  if (problems.length > 0) await reportProblems(deps, runner, job, problems);
  return { ...summary, problems: problems.length, superseded: false };
}

/**
 * Earlier recipients (holders) for a correction or withdrawal, read once, on first
 * use (the first row), which is after the head moved. Null for a first publication.
 */
function correctionAudience(
  deps: DispatchDeps,
  job: PressJob,
): () => Promise<CorrectionAudience | null> {
  let audience: CorrectionAudience | null = null;
  return async () => {
    if (!job.holders) return null;
    audience ??= new CorrectionAudience(await recipientsOf(ledgerOf(deps), job.id), {
      withdrawal: job.topics === null,
    });
    return audience;
  };
}

/**
 * Streams the press list into the batcher (each batch of 50 is enqueued as soon as it is
 * full, so memory does not grow with the list) and returns the list's problems.
 */
async function enqueuePressList(
  deps: DispatchDeps,
  job: PressJob,
  out: Batcher,
  audienceFor: () => Promise<CorrectionAudience | null>,
): Promise<PressListProblem[]> {
  const source = await openPressList(deps);
  if (source === null) {
    const message = `The press list s3://${deps.settings.bucket}/${deps.settings.pressListKey} does not exist.`;
    return [{ kind: 'problem', line: 0, message, severity: 'fatal' }];
  }
  const topics = job.topics?.map((t) => t.toLowerCase()) ?? null;
  const problems: PressListProblem[] = [];
  // readPressList drops later duplicates, so a row here is always the first of its address.
  for await (const entry of readPressList(source)) {
    if (entry.kind === 'problem') {
      problems.push(entry);
      continue;
    }
    const recipient = toRecipient(entry);
    const correction = await audienceFor();
    // Holders only (a withdrawal): rows give their names; nobody else is admitted.
    if (topics !== null && !matchesTopics(entry.topics, topics)) {
      if (correction?.holds(recipient) && correction.admit(recipient)) await out.add(recipient);
      continue;
    }
    if (correction === null || correction.admit(recipient)) await out.add(recipient);
  }
  return problems;
}
