/** What every revision that goes ahead or awaits approval records first (under the statement lock). */
import type { RevisionPlan } from '../../core/lifecycle';
import type { Issue } from '../../core/types';
import { putDue } from '../shared/ledger/due';
import type { EffectRunner } from '../shared/ledger/effects';
import { markRevisionComplete, putRevision } from '../shared/ledger/revisions';
import type { StatementLock } from '../shared/ledger/statements';
import type { ValidUpload } from './types';

/**
 * Records the revision and its plan. A revision still awaiting approval is replaced
 * by it (completed as superseded); returns that revision, or null.
 */
export async function recordRevision(
  runner: EffectRunner,
  lock: StatementLock,
  valid: ValidUpload,
  revision: { plan: RevisionPlan; warnings: Issue[]; now: Date },
): Promise<number | null> {
  const { statement, upload } = valid;
  const { plan, warnings, now } = revision;
  await putRevision(runner.ledger, {
    id: statement.id,
    revision: statement.revision,
    sha256: valid.sha256,
    kind: plan.kind,
    sourceKey: upload.key,
    sourceVersion: upload.versionTag,
    receivedAt: now.toISOString(),
    uploadedBy: upload.uploadedBy ?? null,
    plan,
    warnings,
  });
  const supersedes = lock.head?.awaitingRevision ?? null;
  if (supersedes !== null) {
    await markRevisionComplete(runner.ledger, statement.id, supersedes, now, 'superseded');
  }
  return supersedes;
}

/** Before the head moves: if this attempt dies, the sweep still finds the release owed. */
export async function noteReleaseOwed(
  runner: EffectRunner,
  id: string,
  plan: RevisionPlan,
  now: Date,
): Promise<void> {
  if (!plan.effects.some((e) => e.kind === 'schedule' || e.kind === 'release')) return;
  await putDue(runner.ledger, {
    id,
    revision: plan.revision,
    at: plan.embargo?.until ?? now.toISOString(),
  });
}
