/**
 * The overdue-release sweep: every few minutes (an EventBridge rule in AWS, a
 * timer in the local stack) it finds each release that is owed — a revision
 * whose lift has passed and that is neither released, superseded nor withdrawn
 * — and makes it through the same idempotent path as the schedule.
 *
 * Why it exists: EventBridge Scheduler invokes `release` asynchronously, so a
 * release that throws gets Lambda's two async retries and then the dead-letter
 * queue; a schedule deleted or lost by hand is never noticed at all. With the
 * sweep, either delays a release by minutes, never forever. A release the sweep
 * had to make logs `lateRelease: true` (a metric filter alarms on it) and tells ops.
 */

import { listDue } from '../shared/ledger/due';
import type { EffectRunner } from '../shared/ledger/effects';
import { type ReleaseDeps, type ReleaseOutcome, releaseRevision } from './release';

/** Left to the schedule before the sweep steps in: the scheduler fires to the minute. */
export const DEFAULT_SWEEP_GRACE_MS = 2 * 60_000;

export interface SweepOutcome {
  type: 'sweep';
  /** Owed releases found. */
  due: number;
  released: ReleaseOutcome[];
  /** Ones that could not be made now (each is retried by the next sweep). */
  failed: Array<{ id: string; revision: number; error: string }>;
}

export async function sweepOverdue(deps: ReleaseDeps, runner: EffectRunner): Promise<SweepOutcome> {
  const grace = deps.settings.sweepGraceMs ?? DEFAULT_SWEEP_GRACE_MS;
  const cutoff = new Date(deps.clock().getTime() - grace);
  const due = await listDue(runner.ledger, cutoff);
  const outcome: SweepOutcome = { type: 'sweep', due: due.length, released: [], failed: [] };
  for (const owed of due) {
    try {
      const result = await releaseRevision(deps, runner, owed, 'sweep');
      if (result.outcome === 'released') {
        outcome.released.push(result);
        deps.logger.warn('The sweep released an overdue statement', {
          lateRelease: true,
          statementId: owed.id,
          revision: owed.revision,
          owedSince: owed.at,
        });
      }
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      outcome.failed.push({ id: owed.id, revision: owed.revision, error });
      deps.logger.error(
        'The sweep could not release an overdue statement; the next sweep retries',
        {
          lateRelease: true,
          statementId: owed.id,
          revision: owed.revision,
          error: err,
        },
      );
    }
  }
  return outcome;
}
