/**
 * Approval in ingest (with `approval` configured), the awaiting side:
 * `holdForApproval`: a valid upload the lifecycle says must await approval is
 * recorded with the plan approving now would run, the head moves to it
 * (latest and awaiting; what is in force stays), it is rendered once, each
 * approver gets a proof, and ops a summary. Nothing else goes out.
 * The decisions are in decision.ts.
 */
import { headAwaiting, type RevisionPlan } from '../../core/lifecycle';
import type { Issue, RenderedEmail } from '../../core/types';
import { type EffectRunner, revisionMarker, runEffect } from '../shared/ledger/effects';
import { markRevisionComplete } from '../shared/ledger/revisions';
import { commitAwaiting, type StatementLock } from '../shared/ledger/statements';
import { opsSubject } from '../shared/messages';
import { embargoLines, type PlanRun, renderOnce } from './effects';
import { approvalOf, sendProofs } from './proofs';
import { recordRevision } from './revision';
import type { IngestDeps, IngestOutcome, ValidUpload } from './types';

/** Records the revision as awaiting approval and sends the proofs (under the statement lock). */
export async function holdForApproval(
  deps: IngestDeps,
  runner: EffectRunner,
  lock: StatementLock,
  valid: ValidUpload,
  plan: RevisionPlan,
  warnings: Issue[],
  email: RenderedEmail,
): Promise<IngestOutcome> {
  const { statement } = valid;
  const now = deps.clock();
  const supersedes = await recordRevision(runner, lock, valid, { plan, warnings, now });
  const committed = await commitAwaiting(
    runner.ledger,
    lock,
    headAwaiting(lock.head, statement.id, statement.revision),
    { headline: statement.headline, sha256: valid.sha256, now },
  );
  return awaitApproval(deps, runner, committed, valid, plan, warnings, {
    supersedes,
    resumed: false,
    email,
  });
}

/** The awaiting revision's own effects: render, proofs, the ops summary (each behind a marker). */
export async function awaitApproval(
  deps: IngestDeps,
  runner: EffectRunner,
  lock: StatementLock,
  valid: ValidUpload,
  plan: RevisionPlan,
  warnings: Issue[],
  options: { supersedes: number | null; resumed: boolean; email?: RenderedEmail | undefined },
): Promise<IngestOutcome> {
  const settings = approvalOf(deps);
  const { id } = lock;
  const { revision } = plan;
  const run: PlanRun = {
    upload: valid.upload,
    statement: valid.statement,
    plan,
    sha256: valid.sha256,
    warnings,
    resumed: options.resumed,
    email: options.email,
  };
  const { bundle } = await renderOnce(deps, runner, id, run);
  const proofs = await sendProofs(deps, runner, {
    bundle,
    plan,
    warnings,
    uploadedBy: valid.upload.uploadedBy ?? null,
    supersedes: options.supersedes,
  });
  await runEffect(runner, revisionMarker(id, revision, 'ops-awaiting'), async () => {
    const { messageId } = await deps.publisher.publish({
      topic: 'ops',
      subject: opsSubject(`Herald: awaiting approval ${id} r${revision}`),
      body: awaitingSummary(settings, valid, plan, warnings, options.supersedes, proofs),
    });
    return { messageId };
  });
  await markRevisionComplete(runner.ledger, id, revision, deps.clock(), 'awaiting-approval');
  return {
    key: valid.upload.key,
    id,
    revision,
    outcome: 'awaiting-approval',
    errors: [],
    warnings,
    embargoUntil: plan.embargo?.until ?? null,
    released: false,
    liftChange: plan.liftChange,
    ...(options.supersedes !== null ? { supersededAwaiting: options.supersedes } : {}),
  };
}

/** The ops message about a revision awaiting approval. */
function awaitingSummary(
  settings: ReturnType<typeof approvalOf>,
  valid: ValidUpload,
  plan: RevisionPlan,
  warnings: Issue[],
  supersedes: number | null,
  proofs: string[],
): string {
  const { id } = valid.statement;
  const { revision } = plan;
  const names = settings.approvers.map((a) => `${a.name} <${a.email}>`).join(', ');
  const lines = [
    `${id} revision ${revision} (${plan.kind}): ${valid.statement.headline}`,
    `From: ${valid.upload.key}${valid.upload.uploadedBy ? `, uploaded by ${valid.upload.uploadedBy}` : ''}`,
    '',
    'AWAITING APPROVAL: nothing has been sent to journalists, partners or the website.',
    `It needs ${settings.required} approval${settings.required === 1 ? '' : 's'} from: ${names}.`,
    ...(supersedes !== null
      ? [`It replaces revision ${supersedes}, which was awaiting approval.`]
      : []),
    ...proofs,
    '',
    'If approved now:',
    ...embargoLines(plan),
    ...(warnings.length > 0
      ? ['', 'Warnings:', ...warnings.map((w) => `- ${w.path}: ${w.message}`)]
      : []),
  ];
  return lines.join('\n');
}
