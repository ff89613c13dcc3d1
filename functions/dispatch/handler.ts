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
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HeraldError } from '../../core/errors';
import { decideDelivery } from '../../core/lifecycle';
import {
  CorrectionAudience,
  matchesTopics,
  normaliseEmail,
  type PressListProblem,
  type PressListSource,
  readPressList,
  toRecipient,
} from '../../core/press-list';
import type { Recipient } from '../../core/types';
import { noteDispatched, reportIfDelivered } from '../shared/delivery-report';
import { effectRunner } from '../shared/invocation';
import { effectSk, type Ledger, statementPk } from '../shared/ledger/client';
import { type EffectRunner, runEffect } from '../shared/ledger/effects';
import { recipientsOf } from '../shared/ledger/sends';
import { getHead } from '../shared/ledger/statements';
import { suppressedAmong } from '../shared/ledger/suppression';
import type { Logger } from '../shared/logger';
import { type PressJob, parsePressJob, SEND_BATCH_SIZE, type SendBatch } from '../shared/messages';
import type { Publisher, QueueSender } from '../shared/ports';
import { sqsConsumer } from '../shared/sqs-consumer';

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
  clock?: () => Date;
  settings: DispatchSettings;
}

/** The press list could not be read at all; the job is retried (then dead-lettered) so nobody is skipped. */
export class PressListUnreadableError extends HeraldError {
  override name = 'PressListUnreadableError';
}

/** Lease on the report marker when no Lambda context tells us the deadline. */
const DEFAULT_LEASE_MS = 60_000;

/** Addresses per suppression check: one DynamoDB BatchGetItem (at most 100 keys). */
const SCREEN_SIZE = 100;

/** SendBatch messages per enqueue call: SQS SendMessageBatch takes 10 entries. */
const ENQUEUE_EVERY = 10;

/** Most problem lines in one ops message; the rest are counted. */
const MAX_REPORTED_PROBLEMS = 200;

export interface DispatchSummary {
  recipients: number;
  batches: number;
  suppressed: number;
  problems: number;
  /** A newer revision replaced this one before dispatch: nothing was enqueued. */
  superseded: boolean;
}

export function createDispatchHandler(deps: DispatchDeps) {
  const { s3, logger, settings } = deps;
  const clock = deps.clock ?? (() => new Date());
  const ledger: Ledger = { ddb: deps.ddb, tableName: settings.tableName };

  async function openPressList(): Promise<PressListSource | null> {
    try {
      const out = await s3.send(
        new GetObjectCommand({ Bucket: settings.bucket, Key: settings.pressListKey }),
      );
      return toSource(out.Body);
    } catch (err) {
      if (err instanceof Error && err.name === 'NoSuchKey') return null;
      throw err;
    }
  }

  async function reportProblems(
    job: PressJob,
    problems: PressListProblem[],
    runner: EffectRunner,
  ): Promise<void> {
    const errors = problems.filter((p) => p.severity !== 'note').length;
    const notes = problems.length - errors;
    const subject = `Herald: press list problems (${errors} rows not used) for ${job.id}`.slice(
      0,
      100,
    );
    const lines = problems
      .slice(0, MAX_REPORTED_PROBLEMS)
      .map(
        (p) =>
          `  ${p.line > 0 ? `line ${p.line}` : '(file)'}: ${p.severity === 'note' ? 'note: ' : ''}${p.message}`,
      );
    if (problems.length > MAX_REPORTED_PROBLEMS) {
      lines.push(`  … and ${problems.length - MAX_REPORTED_PROBLEMS} more.`);
    }
    const text = [
      `While sending ${job.id} revision ${job.revision} to the press, Herald found problems in ${settings.pressListKey}:`,
      `${errors} row(s) could not be used${notes > 0 ? ` and ${notes} note(s)` : ''}. The journalists on those rows did not get this statement.`,
      '',
      ...lines,
      '',
      'Fix the rows in the press list; later statements will use the corrected file.',
    ].join('\n');
    // A redelivered PressJob must not re-report: the marker makes the publish once per revision.
    const outcome = await runEffect(
      runner,
      {
        pk: statementPk(job.id),
        sk: effectSk(job.revision, 'press-list-report'),
        effect: 'press-list-report',
        revision: job.revision,
      },
      async () => {
        const { messageId } = await deps.publisher.publish({ topic: 'ops', subject, body: text });
        return { messageId, errors, notes };
      },
    );
    logger.info('press list problems reported', {
      statementId: job.id,
      revision: job.revision,
      errors,
      notes,
      outcome,
    });
  }

  async function dispatch(job: PressJob, runner: EffectRunner): Promise<DispatchSummary> {
    if (decideDelivery(await getHead(ledger, job.id), job.revision) === 'superseded') {
      return { recipients: 0, batches: 0, suppressed: 0, problems: 0, superseded: true };
    }
    const topics = job.topics?.map((t) => t.toLowerCase()) ?? null;
    const out = createBatcher(job);
    const problems: PressListProblem[] = [];
    // Earlier recipients (holders) are read once, on the first row, after the head moved.
    let audience: CorrectionAudience | null = null;
    const audienceFor = async (): Promise<CorrectionAudience | null> => {
      if (!job.holders) return null;
      audience ??= new CorrectionAudience(await recipientsOf(ledger, job.id), {
        withdrawal: topics === null,
      });
      return audience;
    };

    // Streamed: each batch of 50 is enqueued as soon as it is full, so memory does not grow with the list.
    const source = await openPressList();
    if (source === null) {
      const message = `The press list s3://${settings.bucket}/${settings.pressListKey} does not exist.`;
      problems.push({ kind: 'problem', line: 0, message, severity: 'fatal' });
    } else {
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
          if (correction?.holds(recipient)) {
            if (correction.admit(recipient)) await out.add(recipient);
          }
          continue;
        }
        if (correction === null || correction.admit(recipient)) await out.add(recipient);
      }
    }
    problems.sort((a, b) => a.line - b.line);
    // A fatal problem comes before any row (no header, empty or missing file), so nothing was enqueued.
    const readable = !problems.some((p) => p.severity === 'fatal');
    // A withdrawal still goes to earlier recipients when the list is broken; anything else waits for a fix.
    if (!readable && job.type !== 'withdrawn') {
      await reportProblems(job, problems, runner);
      throw new PressListUnreadableError(
        `The press list ${settings.pressListKey} could not be read: ${problems[0]?.message ?? 'unknown problem'}`,
      );
    }
    const correction = await audienceFor();
    if (correction !== null) for (const recipient of correction.rest()) await out.add(recipient);
    const summary = await out.finish();
    // The delivery report goes to ops when the last batch is done (or now, if there were none).
    await noteDispatched(runner, { id: job.id, revision: job.revision, ...summary });
    await reportIfDelivered(runner, deps.publisher, job);
    // After enqueueing, so a problem with the ops topic never holds up the press.
    if (problems.length > 0) await reportProblems(job, problems, runner);
    return { ...summary, problems: problems.length, superseded: false };
  }

  /**
   * Recipients in, SendBatch messages out: candidates are checked against the
   * suppression list 50 at a time, survivors fill batches of 50 in order, and
   * full batches are enqueued 10 at a time (one SQS SendMessageBatch call).
   */
  function createBatcher(job: PressJob) {
    let candidates: Recipient[] = [];
    let ready: Recipient[] = [];
    let bodies: string[] = [];
    let recipients = 0;
    let batches = 0;
    let suppressed = 0;

    let sealed = 0;
    const seal = () => {
      sealed += 1;
      const batch: SendBatch = {
        id: job.id,
        revision: job.revision,
        type: job.type,
        batch: sealed,
        emailKey: job.emailKey,
        recipients: ready,
      };
      bodies.push(JSON.stringify(batch));
      recipients += ready.length;
      ready = [];
    };
    const flush = async () => {
      if (bodies.length === 0) return;
      const sending = bodies;
      bodies = [];
      await deps.queue.sendBatch('send', sending);
      batches += sending.length;
    };
    const screen = async () => {
      if (candidates.length === 0) return;
      const checking = candidates;
      candidates = [];
      const found = await suppressedAmong(
        ledger,
        checking.map((r) => r.email),
        job.type === 'withdrawn' ? { ignore: ['unsubscribe'] } : {},
      );
      for (const recipient of checking) {
        if (found.has(normaliseEmail(recipient.email))) {
          suppressed += 1;
          continue;
        }
        ready.push(recipient);
        if (ready.length === SEND_BATCH_SIZE) seal();
        if (bodies.length === ENQUEUE_EVERY) await flush();
      }
    };

    return {
      async add(recipient: Recipient): Promise<void> {
        candidates.push(recipient);
        if (candidates.length >= SCREEN_SIZE) await screen();
      },
      async finish(): Promise<Omit<DispatchSummary, 'problems' | 'superseded'>> {
        await screen();
        if (ready.length > 0) seal();
        await flush();
        return { recipients, batches, suppressed };
      },
    };
  }

  return sqsConsumer<PressJob>({
    parse: parsePressJob,
    describe: (job) => ({ statementId: job.id, revision: job.revision, type: job.type }),
    logger,
    async handle(job, context) {
      // Claims last until this invocation's deadline, so a live invocation is never overtaken.
      const runner = effectRunner({
        ddb: deps.ddb,
        tableName: settings.tableName,
        clock,
        logger,
        context,
        defaultLeaseMs: DEFAULT_LEASE_MS,
      });
      const summary = await dispatch(job, runner);
      logger.info('Press job dispatched', {
        statementId: job.id,
        revision: job.revision,
        type: job.type,
        ...summary,
      });
    },
  });
}

/** GetObject's Body is a Node Readable in Lambda; anything else async-iterable works too. */
function toSource(body: unknown): PressListSource {
  if (body instanceof Readable) return body;
  if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body) {
    return body as AsyncIterable<Uint8Array>;
  }
  return Readable.from([]);
}
