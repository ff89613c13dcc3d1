/**
 * `ingest`: S3 ObjectCreated on `incoming/*.json` → a verdict per file.
 *
 * Invalid (or conflicting) files are rejected with a report beside them and
 * one ops message. Valid revisions are recorded in the ledger (deduped by
 * id + revision + sha256) and their side effects run in revision.ts. Errors
 * that are not about the file (throttling, 5xx, timeouts) are rethrown so
 * Lambda retries the event; the uploaded file is never deleted.
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { EmailTooLargeError, renderEmail } from '../../core/render/email';
import { checkRenderBudget } from '../../core/render/markdown';
import { checkSocialOverrides } from '../../core/social';
import { parseStatement } from '../../core/statement/parse';
import { MAX_STATEMENT_BYTES, type Statement } from '../../core/statement/schema';
import type { EmbargoInfo, Issue, RenderedEmail } from '../../core/types';
import { effectRunner, type InvocationContext } from '../shared/invocation';
import type { EffectRunner } from '../shared/ledger/effects';
import {
  advanceHead,
  getHead,
  getRevision,
  markRevisionComplete,
  putRevision,
  type RevisionItem,
  type StatementHead,
} from '../shared/ledger/statements';
import { withStatementId } from '../shared/logger';
import {
  decodeS3Key,
  getObjectBytes,
  ObjectNotFoundError,
  ObjectTooLargeError,
} from '../shared/storage';
import { INCOMING_PREFIX, rejectUpload } from './reject';
import { pressJobType, runRevision } from './revision';
import type { IngestDeps, IngestOutcome, Upload } from './types';

export type { IngestDeps, IngestOutcome, IngestSettings } from './types';

export function createIngestHandler(
  deps: IngestDeps,
): (event: S3Event, context?: InvocationContext) => Promise<IngestOutcome[]> {
  return async (event, context) => {
    const runner = effectRunner({
      ddb: deps.ddb,
      tableName: deps.settings.tableName,
      clock: deps.clock,
      logger: deps.logger,
      context,
      defaultLeaseMs: deps.settings.effectLeaseMs,
    });
    const outcomes: IngestOutcome[] = [];
    const failures: unknown[] = [];
    // One failing record must not stop the others; the retry redoes only what is not done.
    for (const record of event.Records ?? []) {
      try {
        const outcome = await ingestRecord(deps, runner, record);
        deps.logger.info('Ingest verdict', { ...outcome });
        outcomes.push(outcome);
      } catch (err) {
        deps.logger.error('Ingest failed; the event will be retried', {
          key: record.s3.object.key,
          error: err,
        });
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
    return outcomes;
  };
}

async function ingestRecord(
  deps: IngestDeps,
  runner: EffectRunner,
  record: S3EventRecord,
): Promise<IngestOutcome> {
  const { object } = record.s3;
  const key = decodeS3Key(object.key);
  const upload: Upload = {
    key,
    versionId: object.versionId || undefined,
    versionTag: object.versionId || object.eTag || object.sequencer || 'unversioned',
  };
  const base = {
    key,
    id: null,
    revision: null,
    errors: [],
    warnings: [],
    embargoUntil: null,
    released: false,
  };
  if (!key.startsWith(INCOMING_PREFIX) || !key.endsWith('.json')) {
    deps.logger.info('Not a statement upload (outside incoming/ or not .json); ignoring', { key });
    return { ...base, outcome: 'ignored' };
  }

  let bytes: Uint8Array;
  try {
    bytes = await getObjectBytes(deps.s3, deps.settings.bucket, key, {
      versionId: upload.versionId,
      maxBytes: MAX_STATEMENT_BYTES,
    });
  } catch (err) {
    if (err instanceof ObjectTooLargeError) {
      const errors: Issue[] = [
        {
          path: '',
          message: `The file is ${formatKb(err.size)}; a statement file must be 256 KB or smaller. Shorten the body or notes, or move long material to a linked page.`,
        },
      ];
      return reject(deps, runner, upload, null, errors, []);
    }
    if (err instanceof ObjectNotFoundError) {
      deps.logger.warn('The uploaded object is gone; nothing to do', {
        key,
        versionId: upload.versionId,
      });
      return { ...base, outcome: 'ignored' };
    }
    throw err;
  }

  const parsed = parseStatement(bytes, {
    now: deps.clock(),
    defaultTimezone: deps.settings.defaultTimezone,
  });
  if (!parsed.ok) return reject(deps, runner, upload, null, parsed.errors, parsed.warnings);
  const { statement, sha256 } = parsed;
  const socialErrors = checkSocialOverrides(statement);
  if (socialErrors.length > 0)
    return reject(deps, runner, upload, statement, socialErrors, parsed.warnings);

  return withStatementId(deps.logger, statement.id, () =>
    ingestStatement(deps, runner, upload, statement, parsed.embargo, parsed.warnings, sha256),
  );
}

/**
 * Renders the press email, or says why it cannot go out: first the cheap
 * MJML-free check (it also stops MJML being run on megabytes), then, as its
 * estimate is a lower bound, the real render — which the revision then reuses.
 * Withdrawals show no Markdown and are never held up by size.
 */
async function renderEmailWithinSize(
  statement: Statement,
  embargo: EmbargoInfo | null,
): Promise<{ email: RenderedEmail; errors?: never } | { email?: never; errors: Issue[] }> {
  if (statement.status !== 'withdraw') {
    const budget = checkRenderBudget(statement);
    if (budget.length > 0) return { errors: budget };
  }
  try {
    return { email: await renderEmail(statement, embargo) };
  } catch (err) {
    if (err instanceof EmailTooLargeError && statement.status !== 'withdraw') {
      return { errors: [err.issue] };
    }
    throw err;
  }
}

async function ingestStatement(
  deps: IngestDeps,
  runner: EffectRunner,
  upload: Upload,
  statement: Statement,
  parsedEmbargo: EmbargoInfo | null,
  parsedWarnings: Issue[],
  sha256: string,
): Promise<IngestOutcome> {
  const { id, revision } = statement;
  const { ledger } = runner;
  const [head, existing] = await Promise.all([
    getHead(ledger, id),
    getRevision(ledger, id, revision),
  ]);
  const parsed = { embargo: parsedEmbargo, warnings: parsedWarnings, sha256 };
  if (existing) return duplicateOrConflict(deps, runner, upload, statement, existing, parsed);

  const refusal = refuseRevision(statement, head);
  if (refusal) return reject(deps, runner, upload, statement, [refusal], parsedWarnings);

  const { embargo, warnings } = effectiveEmbargo(statement, head, parsedEmbargo, parsedWarnings);
  // Problems only rendering reveals are found before the ledger records the revision:
  // afterwards a render failure would be retried forever instead of reported.
  const rendered = await renderEmailWithinSize(statement, embargo);
  if (rendered.errors) return reject(deps, runner, upload, statement, rendered.errors, warnings);
  const recorded = await putRevision(ledger, {
    id,
    revision,
    sha256,
    type: pressJobType(statement),
    sourceKey: upload.key,
    sourceVersion: upload.versionTag,
    receivedAt: deps.clock().toISOString(),
  });
  if (!recorded) {
    // A concurrent delivery of the same revision got there first.
    const raced = await getRevision(ledger, id, revision);
    if (raced) return duplicateOrConflict(deps, runner, upload, statement, raced, parsed);
  }
  if (!(await advanceHead(ledger, headUpdate(statement, embargo, sha256), deps.clock()))) {
    const newer = await getHead(ledger, id);
    return reject(
      deps,
      runner,
      upload,
      statement,
      [olderThan(revision, newer?.latestRevision ?? revision)],
      warnings,
    );
  }

  const result = await runRevision(deps, runner, {
    upload,
    statement,
    embargo,
    warnings,
    sha256,
    resumed: false,
    email: rendered.email,
  });
  await markRevisionComplete(ledger, id, revision, deps.clock());
  return {
    key: upload.key,
    id,
    revision,
    outcome: pressJobType(statement),
    errors: [],
    warnings,
    embargoUntil: result.embargoUntil,
    released: result.released,
  };
}

/**
 * Same id + revision seen before: identical content is a duplicate (finish
 * whatever an interrupted attempt left undone); different content is a
 * conflict the author must resolve by bumping the revision.
 */
async function duplicateOrConflict(
  deps: IngestDeps,
  runner: EffectRunner,
  upload: Upload,
  statement: Statement,
  existing: RevisionItem,
  parsed: { embargo: EmbargoInfo | null; warnings: Issue[]; sha256: string },
): Promise<IngestOutcome> {
  const { id, revision } = statement;
  const { sha256 } = parsed;
  if (existing.sha256 !== sha256) {
    return reject(
      deps,
      runner,
      upload,
      statement,
      [
        {
          path: 'revision',
          message: `revision ${revision} of ${id} was already received with different content; bump revision to ${revision + 1} to correct it`,
        },
      ],
      [],
    );
  }
  const outcome: IngestOutcome = {
    key: upload.key,
    id,
    revision,
    outcome: 'duplicate',
    errors: [],
    warnings: [],
    embargoUntil: null,
    released: false,
  };
  const head = await getHead(runner.ledger, id);
  outcome.released = head?.releasedRevision !== undefined && head.releasedRevision >= revision;
  outcome.embargoUntil = head?.latestRevision === revision ? head.embargoUntil : null;
  if (existing.complete) {
    deps.logger.info('Duplicate of a revision already processed; nothing to do', { revision });
    return outcome;
  }
  if (head && head.latestRevision > revision) {
    deps.logger.warn(
      'Duplicate of an unfinished revision that a newer one replaced; not resuming',
      {
        revision,
        latestRevision: head.latestRevision,
      },
    );
    return outcome;
  }

  // An earlier attempt stopped midway: redo the idempotent steps; markers skip what finished.
  deps.logger.warn('Resuming an unfinished revision', { revision });
  const { embargo, warnings } = effectiveEmbargo(statement, head, parsed.embargo, parsed.warnings);
  if (!(await advanceHead(runner.ledger, headUpdate(statement, embargo, sha256), deps.clock()))) {
    return outcome;
  }
  const result = await runRevision(deps, runner, {
    upload,
    statement,
    embargo,
    warnings,
    sha256,
    resumed: true,
  });
  await markRevisionComplete(runner.ledger, id, revision, deps.clock());
  return { ...outcome, warnings, embargoUntil: result.embargoUntil, released: result.released };
}

/** Why the ledger cannot take this new revision, if it cannot. */
function refuseRevision(statement: Statement, head: StatementHead | undefined): Issue | null {
  if (head && head.latestRevision > statement.revision)
    return olderThan(statement.revision, head.latestRevision);
  if (!head && statement.status === 'withdraw') {
    return {
      path: 'status',
      message: `Herald has no statement "${statement.id}" to withdraw; check the id, or upload the statement itself first.`,
    };
  }
  return null;
}

function olderThan(revision: number, latest: number): Issue {
  return {
    path: 'revision',
    message: `revision ${revision} is older than revision ${latest}, which Herald already has; to correct the statement upload revision ${latest + 1}`,
  };
}

/**
 * A correction of a statement that is already public goes out at once: its
 * embargo cannot un-publish anything (DESIGN: corrections rebuild the website).
 */
function effectiveEmbargo(
  statement: Statement,
  head: StatementHead | undefined,
  embargo: EmbargoInfo | null,
  warnings: Issue[],
): { embargo: EmbargoInfo | null; warnings: Issue[] } {
  if (embargo === null || statement.status !== 'publish' || head?.releasedRevision === undefined) {
    return { embargo, warnings };
  }
  return {
    embargo: null,
    warnings: [
      ...warnings,
      {
        path: 'embargo',
        message: `Revision ${head.releasedRevision} of this statement is already public, so this correction goes out at once and its embargo is ignored.`,
      },
    ],
  };
}

function headUpdate(statement: Statement, embargo: EmbargoInfo | null, sha256: string) {
  return {
    id: statement.id,
    revision: statement.revision,
    status: statement.status,
    headline: statement.headline,
    embargoUntil: embargo?.until ?? null,
    sha256,
  };
}

async function reject(
  deps: IngestDeps,
  runner: EffectRunner,
  upload: Upload,
  statement: Statement | null,
  errors: Issue[],
  warnings: Issue[],
): Promise<IngestOutcome> {
  await rejectUpload(deps, runner, upload, errors, warnings);
  return {
    key: upload.key,
    id: statement?.id ?? null,
    revision: statement?.revision ?? null,
    outcome: 'rejected',
    errors,
    warnings,
    embargoUntil: null,
    released: false,
  };
}

function formatKb(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KB`;
}
