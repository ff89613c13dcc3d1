/**
 * `release`: makes statements public when their embargo lifts.
 *
 * - `{id, revision}` from the revision's one-time schedule at the lift;
 * - `{type: "sweep"}` every few minutes from an EventBridge rule: releases whatever
 *   is overdue because a schedule was lost or its retries ran out (sweep.ts).
 *
 * Both go through release.ts, which decides with core/lifecycle under the
 * statement lock: a withdrawal or a newer revision always wins.
 */
import { type InvocationContext, invocationRunner } from '../shared/invocation';
import { withStatement } from '../shared/logger';
import { parseReleaseEvent } from '../shared/messages';
import { type ReleaseDeps, type ReleaseOutcome, releaseRevision } from './release';
import { type SweepOutcome, sweepOverdue } from './sweep';

export type { ReleaseDeps, ReleaseOutcome, ReleaseSettings, ReleaseTrigger } from './release';
export type { SweepOutcome } from './sweep';

export function createReleaseHandler(
  deps: ReleaseDeps,
): (event: unknown, context?: InvocationContext) => Promise<ReleaseOutcome | SweepOutcome> {
  return async (event, context) => {
    const request = parseReleaseEvent(event);
    const runner = invocationRunner(deps, context, deps.settings.effectLeaseMs);
    if ('type' in request) {
      const outcome = await sweepOverdue(deps, runner);
      deps.logger.info('Sweep finished', {
        due: outcome.due,
        released: outcome.released.length,
        failed: outcome.failed.length,
      });
      return outcome;
    }
    return withStatement(
      deps.logger,
      { statementId: request.id, revision: request.revision },
      async () => {
        const outcome = await releaseRevision(deps, runner, request, 'schedule');
        deps.logger.info('Release finished', { ...outcome });
        return outcome;
      },
    );
  };
}
