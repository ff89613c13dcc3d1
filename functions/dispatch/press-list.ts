/**
 * dispatch's side of the press list: reading it from S3, and telling ops about
 * its bad rows once per statement revision.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { PressListProblem, PressListSource } from '../../core/press-list';
import { isAwsError } from '../shared/errors';
import { type EffectRunner, revisionMarker, runEffect } from '../shared/ledger/effects';
import type { PressJob } from '../shared/messages';
import type { DispatchDeps } from './handler';

/** Most problem lines in one ops message; the rest are counted. */
const MAX_REPORTED_PROBLEMS = 200;

/** The press list as a byte stream, or null when there is no such object. */
export async function openPressList(deps: DispatchDeps): Promise<PressListSource | null> {
  const { bucket, pressListKey } = deps.settings;
  try {
    const out = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: pressListKey }));
    return toSource(out.Body);
  } catch (err) {
    if (isAwsError(err, 'NoSuchKey')) return null;
    throw err;
  }
}

/** GetObject's Body is a Node Readable in Lambda; anything else async-iterable works too. */
function toSource(body: unknown): PressListSource {
  if (body instanceof Readable) return body;
  if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body) {
    return body as AsyncIterable<Uint8Array>;
  }
  return Readable.from([]);
}

/** The ops message about the list's problems (once per revision: a redelivered job does not re-report). */
export async function reportProblems(
  deps: DispatchDeps,
  runner: EffectRunner,
  job: PressJob,
  problems: PressListProblem[],
): Promise<void> {
  const errors = problems.filter((p) => p.severity !== 'note').length;
  const notes = problems.length - errors;
  const subject = `Herald: press list problems (${errors} rows not used) for ${job.id}`.slice(
    0,
    100,
  );
  const body = problemReport(deps, job, problems, { errors, notes });
  const outcome = await runEffect(
    runner,
    revisionMarker(job.id, job.revision, 'press-list-report'),
    async () => {
      const { messageId } = await deps.publisher.publish({ topic: 'ops', subject, body });
      return { messageId, errors, notes };
    },
  );
  deps.logger.info('Press list problems reported', { errors, notes, outcome });
}

function problemReport(
  deps: DispatchDeps,
  job: PressJob,
  problems: PressListProblem[],
  { errors, notes }: { errors: number; notes: number },
): string {
  const lines = problems
    .slice(0, MAX_REPORTED_PROBLEMS)
    .map(
      (p) =>
        `  ${p.line > 0 ? `line ${p.line}` : '(file)'}: ${p.severity === 'note' ? 'note: ' : ''}${p.message}`,
    );
  if (problems.length > MAX_REPORTED_PROBLEMS) {
    lines.push(`  … and ${problems.length - MAX_REPORTED_PROBLEMS} more.`);
  }
  return [
    `While sending ${job.id} revision ${job.revision} to the press, Herald found problems in ${deps.settings.pressListKey}:`,
    `${errors} row(s) could not be used${notes > 0 ? ` and ${notes} note(s)` : ''}. The journalists on those rows did not get this statement.`,
    '',
    ...lines,
    '',
    'Fix the rows in the press list; later statements will use the corrected file.',
  ].join('\n');
}
