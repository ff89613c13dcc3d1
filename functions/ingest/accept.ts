/**
 * A valid statement file meets the ledger. Under the statement lock:
 *
 * 1. The same revision seen before: identical content is a duplicate (an
 *    interrupted attempt is resumed: its stored plan is carried out, and the
 *    ledger markers skip what finished); different content is a conflict.
 * 2. Otherwise core/lifecycle decides: refuse (the author gets the reason) or
 *    accept with a plan. The email is rendered with the plan's embargo before
 *    anything is recorded (an email too large is a rejection, not a retry loop).
 * 3. The revision and its plan are recorded, the head moves to it, and
 *    effects.ts carries the plan out. With approval configured, a revision the
 *    lifecycle holds for approval goes to approval.ts instead: recorded, the
 *    head's awaiting revision, proofs to the approvers, nothing else.
 *
 * Holding the lock from the decision to the last effect is what keeps a
 * withdrawal from overtaking a publication half-way, and a release from
 * slipping between a correction's decision and its effects.
 */
import {
  type DecideOptions,
  decideUpload,
  headAfter,
  type RevisionPlan,
} from '../../core/lifecycle';
import { EmailTooLargeError, renderEmail } from '../../core/render/email';
import { checkRenderBudget } from '../../core/render/size-budget';
import type { Statement } from '../../core/statement/schema';
import type { Issue, RenderedEmail, SenderDisplayName } from '../../core/types';
import { lockOptions } from '../shared/invocation';
import type { EffectRunner } from '../shared/ledger/effects';
import { getRevision, markRevisionComplete, type RevisionItem } from '../shared/ledger/revisions';
import {
  commitRevision,
  getHead,
  type StatementHead,
  type StatementLock,
  withStatementLock,
} from '../shared/ledger/statements';
import { awaitApproval, holdForApproval } from './approval';
import { type PlanRun, plannedOutcome, renderOptions, runPlan } from './effects';
import { rejectUpload } from './reject';
import { noteReleaseOwed, recordRevision } from './revision';
import type { IngestDeps, IngestOutcome, ValidUpload } from './types';

export async function acceptStatement(
  deps: IngestDeps,
  runner: EffectRunner,
  valid: ValidUpload,
): Promise<IngestOutcome> {
  const { id, revision } = valid.statement;
  // Without the lock first: a redelivery of a finished revision is the common duplicate.
  const seen = await getRevision(runner.ledger, id, revision);
  if (seen && seen.sha256 !== valid.sha256) return conflict(deps, runner, valid);
  if (seen?.complete) return duplicate(valid, seen, await getHead(runner.ledger, id));

  return withStatementLock(runner.ledger, id, lockOptions(runner), async (lock) => {
    const item = await getRevision(runner.ledger, id, revision);
    if (item && item.sha256 !== valid.sha256) return conflict(deps, runner, valid);
    if (item?.complete) return duplicate(valid, item, lock.head);
    const head = lock.head;
    if (item && head && head.latestRevision > revision) {
      // Interrupted, and a newer revision went ahead since: its plan covers everyone.
      await markRevisionComplete(runner.ledger, id, revision, deps.clock(), 'superseded');
      deps.logger.warn('Not resuming a revision a newer one replaced', {
        revision,
        latestRevision: head.latestRevision,
      });
      return duplicate(valid, item, head);
    }
    if (item?.plan && head?.latestRevision === revision) {
      deps.logger.warn('Resuming an unfinished revision', { revision });
      if (head.awaitingRevision === revision) {
        const resumed = {
          ...valid,
          upload: { ...valid.upload, uploadedBy: item.uploadedBy ?? undefined },
        };
        return awaitApproval(deps, runner, lock, resumed, item.plan, item.warnings, {
          supersedes: null,
          resumed: true,
        });
      }
      return carryOut(deps, runner, lock, valid, item.plan, item.warnings, true);
    }
    return decideAndGo(deps, runner, lock, valid);
  });
}

async function decideAndGo(
  deps: IngestDeps,
  runner: EffectRunner,
  lock: StatementLock,
  valid: ValidUpload,
): Promise<IngestOutcome> {
  const { statement } = valid;
  const now = deps.clock();
  const approval = deps.settings.approval;
  const options: DecideOptions = {
    now,
    defaultTimezone: deps.settings.defaultTimezone,
    approval: approval ? { withdrawals: approval.withdrawals } : null,
  };
  const decision = decideUpload(lock.head, statement, options);
  if (decision.verdict === 'refuse') {
    return rejectUpload(deps, runner, valid.upload, statement, decision.issues, valid.warnings);
  }
  const { plan } = decision;
  const warnings = [...valid.warnings, ...decision.warnings];

  // Problems only rendering reveals are found before the ledger records the revision:
  // afterwards a render failure would be retried forever instead of reported.
  const rendered = await renderWithinSize(statement, plan, deps.settings.senderDisplayName);
  if (rendered.errors) {
    return rejectUpload(deps, runner, valid.upload, statement, rendered.errors, warnings);
  }

  if (decision.next === 'await-approval') {
    return holdForApproval(deps, runner, lock, valid, plan, warnings, rendered.email);
  }

  // A withdrawal that goes ahead at once replaces a revision still awaiting approval.
  const supersedes = await recordRevision(runner, lock, valid, { plan, warnings, now });
  await noteReleaseOwed(runner, statement.id, plan, now);
  const committed = await commitRevision(
    runner.ledger,
    lock,
    headAfter(lock.head, statement.id, plan),
    { headline: statement.headline, sha256: valid.sha256, now },
  );
  const outcome = await carryOut(
    deps,
    runner,
    committed,
    valid,
    plan,
    warnings,
    false,
    rendered.email,
  );
  return supersedes === null ? outcome : { ...outcome, supersededAwaiting: supersedes };
}

async function carryOut(
  deps: IngestDeps,
  runner: EffectRunner,
  lock: StatementLock,
  valid: ValidUpload,
  plan: RevisionPlan,
  warnings: Issue[],
  resumed: boolean,
  email?: RenderedEmail,
): Promise<IngestOutcome> {
  const run: PlanRun = {
    upload: valid.upload,
    statement: valid.statement,
    plan,
    sha256: valid.sha256,
    warnings,
    resumed,
    email,
  };
  const result = await runPlan(deps, runner, lock, run);
  await markRevisionComplete(runner.ledger, lock.id, plan.revision, deps.clock());
  return plannedOutcome(valid.upload.key, lock.id, plan, warnings, result);
}

/**
 * Renders the press email with the plan's embargo, or says why it cannot go out:
 * first the cheap MJML-free check (it also stops MJML being run on megabytes),
 * then, as its estimate is a lower bound, the real render — which the revision
 * then reuses. Withdrawals show no Markdown and are never held up by size.
 */
async function renderWithinSize(
  statement: Statement,
  plan: RevisionPlan,
  displayName: SenderDisplayName | undefined,
): Promise<{ email: RenderedEmail; errors?: never } | { email?: never; errors: Issue[] }> {
  if (statement.status !== 'withdraw') {
    const budget = checkRenderBudget(statement);
    if (budget.length > 0) return { errors: budget };
  }
  try {
    return { email: await renderEmail(statement, plan.embargo, renderOptions(plan, displayName)) };
  } catch (err) {
    if (err instanceof EmailTooLargeError && statement.status !== 'withdraw') {
      return { errors: [err.issue] };
    }
    throw err;
  }
}

function conflict(deps: IngestDeps, runner: EffectRunner, valid: ValidUpload) {
  const { id, revision } = valid.statement;
  return rejectUpload(
    deps,
    runner,
    valid.upload,
    valid.statement,
    [
      {
        path: 'revision',
        message: `revision ${revision} of ${id} was already received with different content; bump revision to ${revision + 1} to correct it`,
      },
    ],
    [],
  );
}

function duplicate(
  valid: ValidUpload,
  item: RevisionItem,
  head: StatementHead | null,
): IngestOutcome {
  const current = head?.current?.revision === item.revision ? head.current : null;
  return {
    key: valid.upload.key,
    id: item.id,
    revision: item.revision,
    outcome: 'duplicate',
    errors: [],
    warnings: [],
    embargoUntil: current?.embargo?.until ?? null,
    released: head?.releasedRevision != null && head.releasedRevision >= item.revision,
    liftChange: null,
  };
}
