/**
 * What happened to each statement, from what the local stack observed: ingest outcomes,
 * send batches queued, the outbox, partner receivers, releases and dead letters. Used by
 * `herald dev` (live and `--json`) and by tests.
 */
import type { Issue } from '../core/types';
import type { IngestOutcome } from '../functions/ingest/types';
import type { PressJob } from '../functions/shared/messages';

export type StatementOutcome = IngestOutcome['outcome'] | 'pending' | 'failed';

export interface StatementSummary {
  file: string;
  key: string;
  id: string | null;
  revision: number | null;
  outcome: StatementOutcome;
  errors: Issue[];
  warnings: Issue[];
  press: { emailed: number; skipped: number; failed: number };
  /**
   * Why no journalist was emailed, when none was for a revision that went ahead (the press
   * channel is off, the press list is missing, no journalist follows the topics…); else null.
   */
  pressNote: string | null;
  /** Journalists chosen by dispatch for this revision (for progress bars). */
  pressSelected: number;
  partners: Record<string, number>;
  release: { at: string | null; released: boolean };
  /**
   * Once a release by the scheduler or the sweep has finished (null before, and for a
   * revision ingest released itself): whom it told, statement.released on each topic.
   */
  releaseDone: { website: boolean; partners: boolean } | null;
}

export interface StackSummary {
  statements: StatementSummary[];
  stateDir: string;
  deadLetters: number;
  /** Emails that reached a recipient a second time for the same revision (should be 0). */
  duplicateEmails: number;
}

export interface UploadRecord {
  file: string;
  key: string;
  outcome?: IngestOutcome;
  failure?: string;
}

export interface SummaryInputs {
  stateDir: string;
  uploads: readonly UploadRecord[];
  /** `<id>#<rev>` → lower-case emails queued for sending. */
  selected: ReadonlyMap<string, ReadonlySet<string>>;
  /** `<id>#<rev>` → lower-case emails in send batches that were dead-lettered. */
  deadLettered: ReadonlyMap<string, ReadonlySet<string>>;
  /** `<id>#<rev>` → the press job ingest published. */
  pressJobs?: ReadonlyMap<string, PressJob>;
  /** `<id>#<rev>` → why its press job was dead-lettered. */
  pressFailures?: ReadonlyMap<string, string>;
  /** `<id>#<rev>` whose release told the website / the partners (statement.released). */
  websiteReleases?: ReadonlySet<string>;
  partnerReleases?: ReadonlySet<string>;
  /** `<id>#<rev>` whose release by the scheduler or the sweep finished. */
  releasesDone?: ReadonlySet<string>;
  /** `<id>#<rev>` → lower-case emails in the outbox. */
  emailed: ReadonlyMap<string, ReadonlySet<string>>;
  /** partner name → `<id>#<rev>` of each message received. */
  partnerMessages: ReadonlyMap<string, readonly string[]>;
  partnerNames: readonly string[];
  /** `<id>#<rev>` made public (statement.released published). */
  released: ReadonlySet<string>;
  deadLetters: number;
  duplicateEmails: number;
}

export function revisionKey(id: string, revision: number): string {
  return `${id}#${revision}`;
}

const SENDING_OUTCOMES: ReadonlySet<StatementOutcome> = new Set([
  'published',
  'corrected',
  'withdrawn',
]);

export function buildSummary(inputs: SummaryInputs): StackSummary {
  const statements = inputs.uploads.map((upload): StatementSummary => {
    const outcome = upload.outcome;
    const id = outcome?.id ?? null;
    const revision = outcome?.revision ?? null;
    const kind: StatementOutcome = outcome?.outcome ?? (upload.failure ? 'failed' : 'pending');
    const key = id !== null && revision !== null ? revisionKey(id, revision) : null;
    const active = key !== null && SENDING_OUTCOMES.has(kind);
    const selected = active ? (inputs.selected.get(key) ?? new Set<string>()) : new Set<string>();
    const emailed = active ? (inputs.emailed.get(key) ?? new Set<string>()) : new Set<string>();
    const dead = active ? (inputs.deadLettered.get(key) ?? new Set<string>()) : new Set<string>();
    const failed = [...dead].filter((e) => !emailed.has(e)).length;
    const skipped = Math.max(0, [...selected].filter((e) => !emailed.has(e)).length - failed);
    const partners: Record<string, number> = {};
    for (const name of inputs.partnerNames) {
      partners[name] = active
        ? (inputs.partnerMessages.get(name) ?? []).filter((k) => k === key).length
        : 0;
    }
    return {
      file: upload.file,
      key: upload.key,
      id,
      revision,
      outcome: kind,
      errors: outcome?.errors ?? (upload.failure ? [{ path: '', message: upload.failure }] : []),
      warnings: outcome?.warnings ?? [],
      press: { emailed: emailed.size, skipped, failed },
      pressNote:
        active && key !== null && emailed.size === 0
          ? pressNote(kind, inputs.pressJobs?.get(key), inputs.pressFailures?.get(key), {
              selected: selected.size,
              failed,
              skipped,
            })
          : null,
      pressSelected: selected.size,
      partners,
      release: {
        at: outcome?.embargoUntil ?? null,
        released:
          Boolean(outcome?.released) ||
          (key !== null && kind !== 'withdrawn' && inputs.released.has(key)),
      },
      releaseDone:
        key !== null && inputs.releasesDone?.has(key)
          ? {
              website: inputs.websiteReleases?.has(key) ?? false,
              partners: inputs.partnerReleases?.has(key) ?? false,
            }
          : null,
    };
  });
  return {
    statements,
    stateDir: inputs.stateDir,
    deadLetters: inputs.deadLetters,
    duplicateEmails: inputs.duplicateEmails,
  };
}

/** Why a revision that went ahead reached no journalist, in words a comms officer can act on. */
export function pressNote(
  kind: StatementOutcome,
  job: PressJob | undefined,
  failure: string | undefined,
  counts: { selected: number; failed: number; skipped: number },
): string {
  if (failure !== undefined) return failure;
  if (job === undefined) {
    return kind === 'withdrawn'
      ? 'no journalist had been sent the statement, so there was nobody to send a kill notice to'
      : "nothing went to the press: the statement's channels.press is false";
  }
  if (counts.selected === 0) {
    if (job.topics === null) return 'no journalist had been sent the statement';
    if (job.topics.length === 0) {
      return 'the press list has no journalist who can be emailed (empty, or everyone has unsubscribed)';
    }
    return `no journalist on the press list follows ${job.topics.join(', ')} (or those who do have unsubscribed)`;
  }
  if (counts.failed > 0) {
    return `every send failed (${counts.failed}); see dead-letters.jsonl`;
  }
  return `all ${counts.skipped} journalist(s) chosen were skipped (already emailed this revision, unsubscribed, or a newer revision took over)`;
}

/** The `--json` shape of `herald dev --once`. */
export function toJsonReport(summary: StackSummary): {
  statements: Array<
    Pick<
      StatementSummary,
      | 'file'
      | 'id'
      | 'revision'
      | 'outcome'
      | 'errors'
      | 'warnings'
      | 'press'
      | 'pressNote'
      | 'partners'
      | 'release'
    >
  >;
  stateDir: string;
} {
  return {
    statements: summary.statements.map((s) => ({
      file: s.file,
      id: s.id,
      revision: s.revision,
      outcome: s.outcome,
      errors: s.errors,
      // A passed lift, a kept or moved embargo, ignored channels: what a script must not miss.
      warnings: s.warnings,
      press: s.press,
      pressNote: s.pressNote,
      partners: s.partners,
      release: s.release,
    })),
    stateDir: summary.stateDir,
  };
}
