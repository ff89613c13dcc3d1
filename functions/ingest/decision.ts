/**
 * Approval in ingest, the deciding side (`handleApprovalDecision`): an approver
 * (or an operator) decided. Under the statement lock, and only while the
 * revision is still the one awaiting: a rejection ends it (`rejected`: ops and
 * the approvers are told who and why, nothing is sent); once `required`
 * distinct approvers approved, it goes ahead exactly as an unapproved upload
 * does, with the plan decided now (an approval after the lift sends at once,
 * and says so).
 */
import { decideApproval, headAfter, planRevision, type RevisionPlan } from '../../core/lifecycle';
import { formatEmbargoTime } from '../../core/statement/embargo';
import type { Issue } from '../../core/types';
import { lockOptions } from '../shared/invocation';
import { type ApprovalItem, listDecisions } from '../shared/ledger/approvals';
import { effectSk, statementPk } from '../shared/ledger/client';
import {
  type EffectRunner,
  queryEffects,
  revisionMarker,
  runEffect,
} from '../shared/ledger/effects';
import {
  getRevision,
  markRevisionComplete,
  type RevisionItem,
  startApprovedRevision,
} from '../shared/ledger/revisions';
import {
  clearAwaiting,
  commitRevision,
  type StatementLock,
  withStatementLock,
} from '../shared/ledger/statements';
import { withStatement } from '../shared/logger';
import { type ApprovalDecisionMessage, opsSubject } from '../shared/messages';
import { readBundle } from '../shared/rendered';
import { plannedOutcome, renderOnce, runPlan } from './effects';
import { approvalOf, sendNotices } from './proofs';
import { noteReleaseOwed } from './revision';
import type { IngestDeps, IngestOutcome, Upload, ValidUpload } from './types';

/** An approval or rejection arrived: act on it if the revision still awaits approval. */
export function handleApprovalDecision(
  deps: IngestDeps,
  runner: EffectRunner,
  message: ApprovalDecisionMessage,
): Promise<IngestOutcome> {
  const settings = approvalOf(deps);
  const { id, revision } = message;
  return withStatement(deps.logger, { statementId: id, revision }, () =>
    withStatementLock(runner.ledger, id, lockOptions(runner), async (lock) => {
      const item = await getRevision(runner.ledger, id, revision);
      const verdict = decideApproval(lock.head, revision);
      if (!verdict.act || item === null) {
        // An approval whose effects were interrupted after it went ahead: finish it.
        if (item?.plan && !item.complete && lock.head?.current?.revision === revision) {
          deps.logger.warn('Resuming an approved revision', { revision });
          return goAhead(deps, runner, lock, item, item.plan, item.warnings, true);
        }
        deps.logger.info('Approval decision not acted on', { revision, verdict });
        return outcomeOf(item, id, revision, 'ignored');
      }
      const allowed = new Set(settings.approvers.map((a) => a.email.toLowerCase()));
      const decisions = (await listDecisions(runner.ledger, id, revision)).filter(
        (d) => d.via === 'operator' || allowed.has(d.approver),
      );
      const rejection = decisions.find((d) => d.decision === 'rejected');
      if (rejection) return reject(deps, runner, lock, item, rejection, decisions);
      const approvals = decisions.filter((d) => d.decision === 'approved');
      if (new Set(approvals.map((a) => a.approver)).size < settings.required) {
        deps.logger.info('Approval recorded; more approvals needed', {
          revision,
          approvals: approvals.length,
          required: settings.required,
        });
        return outcomeOf(item, id, revision, 'awaiting-approval');
      }
      return approve(deps, runner, lock, item, approvals);
    }),
  );
}

async function approve(
  deps: IngestDeps,
  runner: EffectRunner,
  lock: StatementLock,
  item: RevisionItem,
  approvals: ApprovalItem[],
): Promise<IngestOutcome> {
  const { id } = lock;
  const { revision } = item;
  const now = deps.clock();
  const bundle = await readBundle(deps.s3, deps.settings.bucket, id, revision);
  const decided = planRevision(lock.head, bundle.statement, {
    now,
    defaultTimezone: deps.settings.defaultTimezone,
  });
  const plan = decided.plan;
  const warnings = uniqueIssues([...item.warnings, ...decided.warnings]);
  const preview = item.plan;
  const late = preview?.embargo != null && plan.embargo === null && plan.status === 'publish';
  const valid = validOf(item, bundle.statement);
  if (
    JSON.stringify([preview?.embargo, preview?.liftChange]) !==
    JSON.stringify([plan.embargo, plan.liftChange])
  ) {
    // The email must say what is true now (no embargo once the lift has passed).
    await renderOnce(
      deps,
      runner,
      id,
      { ...valid, plan, warnings, resumed: false },
      'render-approved',
    );
  }
  await startApprovedRevision(runner.ledger, id, revision, { plan, warnings, now });
  await noteReleaseOwed(runner, id, plan, now);
  const committed = await commitRevision(runner.ledger, lock, headAfter(lock.head, id, plan), {
    headline: bundle.statement.headline,
    sha256: item.sha256,
    now,
  });
  const names = approvals.map((a) => a.name).join(' and ');
  const lateLine = late
    ? `It was approved after the embargo lifted (${preview?.embargo?.display}), so it went out at once, with no embargo.`
    : null;
  const outcome = await goAhead(deps, runner, committed, item, plan, warnings, false, {
    notice: {
      subject: `Approved: ${bundle.statement.headline} (${id} revision ${revision})`,
      lines: [
        `${id} revision ${revision} ("${bundle.statement.headline}") was approved by ${names}.`,
        ...(lateLine ? [lateLine] : []),
      ],
    },
    lateLine,
  });
  return outcome;
}

/** Carries out an approved revision's plan, as an unapproved upload would, then tells the approvers. */
async function goAhead(
  deps: IngestDeps,
  runner: EffectRunner,
  lock: StatementLock,
  item: RevisionItem,
  plan: RevisionPlan,
  warnings: Issue[],
  resumed: boolean,
  tell?: { notice: { subject: string; lines: string[] }; lateLine: string | null },
): Promise<IngestOutcome> {
  const { id } = lock;
  const { revision } = item;
  const bundle = await readBundle(deps.s3, deps.settings.bucket, id, revision);
  const valid = validOf(item, bundle.statement);
  const audit = await auditLines(deps, runner, item);
  const result = await runPlan(deps, runner, lock, {
    ...valid,
    plan,
    warnings,
    resumed,
    audit: tell?.lateLine ? [...audit, tell.lateLine] : audit,
  });
  await markRevisionComplete(runner.ledger, id, revision, deps.clock());
  const subject =
    tell?.notice.subject ?? `Approved: ${bundle.statement.headline} (${id} revision ${revision})`;
  const lines = tell?.notice.lines ?? [
    `${id} revision ${revision} ("${bundle.statement.headline}") was approved.`,
  ];
  await sendNotices(deps, runner, {
    id,
    revision,
    kind: 'approved',
    subject,
    lines: [...lines, '', 'What went out:', ...result.report],
  });
  return plannedOutcome(item.sourceKey, id, plan, warnings, result);
}

async function reject(
  deps: IngestDeps,
  runner: EffectRunner,
  lock: StatementLock,
  item: RevisionItem,
  rejection: ApprovalItem,
  decisions: ApprovalItem[],
): Promise<IngestOutcome> {
  const { id } = lock;
  const { revision } = item;
  const now = deps.clock();
  const headline = lock.head?.headline ?? id;
  await clearAwaiting(runner.ledger, lock, now);
  await markRevisionComplete(runner.ledger, id, revision, now, 'rejected');
  const who =
    rejection.name === rejection.approver
      ? rejection.approver
      : `${rejection.name} (${rejection.approver})`;
  const reason = rejection.reason ?? '(no reason given)';
  const inForce = lock.head?.current
    ? `Revision ${lock.head.current.revision} stays as it was.`
    : 'No revision of this statement has gone out.';
  const lines = [
    `${id} revision ${revision} was REJECTED by ${who} at ${rejection.at}.`,
    `Reason: ${reason}`,
    '',
    `Nothing of revision ${revision} was sent: no journalist, partner or website got it. ${inForce}`,
    `To send a fixed version, upload it as revision ${(lock.head?.latestRevision ?? revision) + 1}.`,
  ];
  const audit = await auditLines(deps, runner, item, decisions);
  await runEffect(runner, revisionMarker(id, revision, 'ops-rejected'), async () => {
    const { messageId } = await deps.publisher.publish({
      topic: 'ops',
      subject: opsSubject(`Herald: rejected by approver ${id} r${revision}`),
      body: [...lines, '', 'Audit trail:', ...audit].join('\n'),
    });
    return { messageId };
  });
  await sendNotices(deps, runner, {
    id,
    revision,
    kind: 'rejected',
    subject: `Rejected: ${headline} (${id} revision ${revision})`,
    lines,
  });
  return {
    ...outcomeOf(item, id, revision, 'rejected'),
    errors: [{ path: 'approval', message: `Rejected by ${who}: ${reason}` }],
  };
}

/** Uploaded, each proof sent, each decision: the audit trail for ops. */
async function auditLines(
  deps: IngestDeps,
  runner: EffectRunner,
  item: RevisionItem,
  decisions?: ApprovalItem[],
): Promise<string[]> {
  const zone = deps.settings.defaultTimezone;
  const at = (iso: string) => formatEmbargoTime(new Date(iso), zone);
  const proofs = (
    await queryEffects(runner.ledger, statementPk(item.id), effectSk(item.revision, 'proof#'))
  )
    .filter((e) => e.status === 'done')
    .map(
      (e) =>
        `Proof sent to ${e.detail?.to ?? e.effect.slice('proof#'.length)} at ${at(e.doneAt ?? e.claimedAt)}`,
    );
  const made = decisions ?? (await listDecisions(runner.ledger, item.id, item.revision));
  return [
    `Uploaded ${at(item.receivedAt)}${item.uploadedBy ? ` by ${item.uploadedBy}` : ''}`,
    ...proofs,
    ...made.map(
      (d) =>
        `${d.decision === 'approved' ? 'Approved' : 'Rejected'} by ${d.name === d.approver ? d.approver : `${d.name} (${d.approver})`}${d.via === 'operator' ? ' (operator)' : ''} at ${at(d.at)}`,
    ),
  ];
}

function validOf(item: RevisionItem, statement: ValidUpload['statement']): ValidUpload {
  const upload: Upload = {
    key: item.sourceKey,
    versionId: undefined,
    versionTag: item.sourceVersion ?? 'unversioned',
    uploadedBy: item.uploadedBy ?? undefined,
  };
  return { upload, statement, sha256: item.sha256, warnings: item.warnings };
}

function outcomeOf(
  item: RevisionItem | null,
  id: string,
  revision: number,
  outcome: IngestOutcome['outcome'],
): IngestOutcome {
  return {
    key: item?.sourceKey ?? '',
    id,
    revision,
    outcome,
    errors: [],
    warnings: [],
    embargoUntil: item?.plan?.embargo?.until ?? null,
    released: false,
    liftChange: null,
  };
}

function uniqueIssues(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
