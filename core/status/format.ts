/** The short readable report `herald status` prints, from a summarised statement. */
import type { RevisionStatus, StatementState, StatementStatus } from './index';
import { formatInstant } from './time';

const STATE_TEXT: Record<StatementState, string> = {
  'awaiting-approval': 'awaiting approval (nothing of it has been sent)',
  rejected: 'rejected by an approver (nothing of it was sent)',
  processing: 'processing (ingest has not finished this revision)',
  embargoed: 'embargoed',
  'release-overdue': 'embargo lifted but not released: check the schedule and the release function',
  released: 'released',
  withdrawn: 'withdrawn',
};

/** The short readable report `herald status` prints; times in the statement's zone. */
export function formatStatus(status: StatementStatus): string {
  const at = (iso: string | null) =>
    iso === null ? 'unknown' : formatInstant(iso, status.timeZone);
  const lines: string[] = [];
  lines.push(status.headline ? `${status.id}: "${status.headline}"` : status.id);
  if (status.latestRevision === null) {
    lines.push('No statement head: ingest stopped before recording this statement.');
  } else {
    const latest = status.revisions.find((r) => r.revision === status.latestRevision);
    let state = status.state ? STATE_TEXT[status.state] : 'unknown';
    if (status.state === 'embargoed' && latest?.embargo.until)
      state += ` until ${latest.embargo.display ?? latest.embargo.until}`;
    if (status.state === 'released' && latest?.embargo.releasedAt)
      state += ` at ${at(latest.embargo.releasedAt)}`;
    lines.push(`Latest: revision ${status.latestRevision} (${status.status}), ${state}.`);
    lines.push(`First seen ${at(status.createdAt)}, last updated ${at(status.updatedAt)}.`);
    lines.push(`Times are in ${status.timeZone}.`);
  }
  for (const rev of status.revisions) {
    lines.push('');
    const received = rev.receivedAt ? `received ${at(rev.receivedAt)}` : 'no revision record';
    const sha = rev.sha256 ? `sha256 ${rev.sha256.slice(0, 12)}` : 'sha256 unknown';
    const outcome = rev.outcome ?? 'outcome unknown';
    lines.push(
      `Revision ${rev.revision}: ${outcome}${rev.complete ? '' : ' (not finished)'}, ${sha}, ${received}`,
    );
    if (rev.sourceKey) lines.push(`  Source: ${rev.sourceKey}`);
    lines.push(...auditText(rev, at));
    lines.push(`  Embargo: ${embargoText(rev, at)}`);
    const { sent, sending, rejected, possibleDuplicates } = rev.emails;
    lines.push(
      `  Journalists emailed: ${sent} sent, ${sending} sending, ${rejected} rejected by SES${possibleDuplicates > 0 ? `, ${possibleDuplicates} possibly twice (a crash or an ambiguous SES answer; see docs/architecture.md)` : ''}`,
    );
    if (rev.batches) lines.push(`  Press batches: ${batchesText(rev.batches)}`);
    if (rev.effects.length === 0) {
      lines.push('  Side effects: none recorded');
    } else {
      lines.push('  Side effects:');
      const width = Math.max(...rev.effects.map((e) => e.name.length));
      for (const effect of rev.effects) {
        const when =
          effect.status === 'done'
            ? `done ${effect.doneAt === null ? '' : at(effect.doneAt)}`.trimEnd()
            : `pending since ${at(effect.claimedAt)}${effect.stalled ? ' (stalled: lease ran out; a retry redoes it)' : ''}`;
        lines.push(`    ${effect.name.padEnd(width)}  ${when}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function batchesText({ done, expected }: { done: number; expected: number | null }): string {
  if (expected === null) return `${done} finished; dispatch is still enqueuing`;
  return `${done} of ${expected} finished${done >= expected ? ' (delivered)' : ''}`;
}

function auditText(rev: RevisionStatus, at: (iso: string | null) => string): string[] {
  const { uploadedBy, proofs, decisions } = rev.audit;
  const lines: string[] = [];
  if (uploadedBy)
    lines.push(
      `  Uploaded by ${uploadedBy} at ${rev.receivedAt ? at(rev.receivedAt) : 'an unknown time'}`,
    );
  for (const proof of proofs) lines.push(`  Proof sent to ${proof.to} at ${at(proof.at)}`);
  for (const d of decisions) {
    const who = d.name === d.approver ? d.approver : `${d.name} (${d.approver})`;
    lines.push(
      `  ${d.decision === 'approved' ? 'Approved' : 'Rejected'} by ${who} at ${at(d.at)}${d.via === 'operator' ? ' (operator, herald approve/reject)' : ''}${d.reason ? `: ${d.reason}` : ''}`,
    );
  }
  return lines;
}

function embargoText(rev: RevisionStatus, at: (iso: string | null) => string): string {
  const { until, display, lifted, released, releasedAt } = rev.embargo;
  const release = released
    ? `released${releasedAt ? ` ${at(releasedAt)}` : ''}`
    : rev.outcome === 'withdrawn'
      ? 'never released (withdrawal)'
      : 'not released';
  if (until === null) return `none; ${release}`;
  return `until ${display ?? until} (${lifted ? 'lifted' : 'not yet lifted'}); ${release}`;
}
