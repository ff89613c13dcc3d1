import type { EmbargoInfo } from '../types';

/**
 * The operator's view of one statement (`herald status <id>`): a summary of the
 * ledger items under `stmt#<id>` (docs/architecture.md, "Ledger"). Pure: the
 * query lives in functions/shared/ledger/status.ts. The item shapes below are
 * the fields this summary reads; the ledger modules' own types satisfy them.
 */

export interface HeadInput {
  latestRevision: number;
  headline: string;
  latestSha256: string;
  createdAt: string;
  updatedAt: string;
  current: { revision: number; status: 'publish' | 'withdraw'; embargo: EmbargoInfo | null } | null;
  awaitingRevision: number | null;
  releasedRevision: number | null;
  releasedAt: string | null;
}

export interface RevisionInput {
  revision: number;
  sha256: string;
  kind: string | null;
  sourceKey: string;
  receivedAt: string;
  complete: boolean;
  completedAt: string | null;
  /** How it ended when it did not go ahead in full (`superseded`). */
  outcome: string | null;
  plan: { embargo: EmbargoInfo | null } | null;
  /** Who put the file in the bucket (the S3 event's principal), when known. */
  uploadedBy?: string | null;
}

export interface ApprovalInput {
  revision: number;
  decision: 'approved' | 'rejected';
  approver: string;
  name: string;
  via: 'link' | 'operator';
  reason: string | null;
  at: string;
}

export interface EffectInput {
  sk: string;
  effect: string;
  revision?: number;
  status: 'pending' | 'done';
  claimedAt: string;
  leaseUntil: string;
  doneAt?: string;
  detail?: Record<string, string | number | boolean>;
}

/** A revision's delivery tally: the press batches dispatch enqueued and send finished. */
export interface TallyInput {
  revision: number;
  batchesDone: number[];
  expectedBatches?: number;
}

export interface SendInput {
  sk: string;
  revision?: number;
  status: 'sending' | 'sent' | 'rejected';
  /** Claims made: more than one means a crash left it unconfirmed and it was sent again. */
  attempts?: number;
  /** Ambiguous SES answers (5xx, timeouts): the message may have gone out more than once. */
  ambiguous?: number;
}

export interface StatementItems {
  id: string;
  head: HeadInput | null;
  revisions: RevisionInput[];
  effects: EffectInput[];
  sends: SendInput[];
  /** Approval decisions (with approval configured). */
  approvals?: ApprovalInput[];
  /** Delivery tallies, one per revision that went to the press. */
  tallies?: TallyInput[];
}

/**
 * Where the latest revision stands: `processing` (ingest has not finished it),
 * `embargoed` (lift still ahead), `release-overdue` (lift passed, not released:
 * the schedule or release needs a look), `released`, `withdrawn`.
 */
export type StatementState =
  | 'awaiting-approval'
  | 'rejected'
  | 'processing'
  | 'embargoed'
  | 'release-overdue'
  | 'released'
  | 'withdrawn';

export interface EffectStatus {
  name: string;
  status: 'pending' | 'done';
  claimedAt: string;
  doneAt: string | null;
  /** A `pending` marker whose lease has run out: its invocation died; a retry redoes it. */
  stalled: boolean;
  detail: Record<string, string | number | boolean>;
}

export interface RevisionStatus {
  revision: number;
  /** Null when the revision item is missing (markers or sends without it). */
  sha256: string | null;
  receivedAt: string | null;
  sourceKey: string | null;
  /** `published`, `corrected` or `withdrawn` (the revision's press job type). */
  outcome: string | null;
  complete: boolean;
  completedAt: string | null;
  embargo: {
    /** The lift instant (ISO UTC) in force when the revision was processed, or null. */
    until: string | null;
    /** The lift in the statement's own time zone, e.g. `00:01 GMT, Wednesday 21 February 2024`. */
    display: string | null;
    lifted: boolean;
    released: boolean;
    releasedAt: string | null;
  };
  effects: EffectStatus[];
  /** Who uploaded it, each proof sent and each approval decision: the audit trail. */
  audit: {
    uploadedBy: string | null;
    proofs: Array<{ to: string; at: string }>;
    decisions: Array<Omit<ApprovalInput, 'revision'>>;
  };
  emails: {
    sent: number;
    sending: number;
    rejected: number;
    /**
     * Sends that may have reached the journalist twice: a crash between SES accepting and
     * the ledger recording it, or an ambiguous SES answer. Never a lost email: those retry.
     */
    possibleDuplicates: number;
  };
  /**
   * Press batches send has finished, of how many dispatch enqueued (`expected` is null while
   * dispatch is still enqueuing); null when the revision went to no journalist yet.
   */
  batches: { done: number; expected: number | null } | null;
}

export interface StatementStatus {
  id: string;
  /**
   * The zone the report shows times in: the statement's own (its embargo's), else the
   * default given (the config's time zone).
   */
  timeZone: string;
  headline: string | null;
  latestRevision: number | null;
  status: 'publish' | 'withdraw' | null;
  state: StatementState | null;
  createdAt: string | null;
  updatedAt: string | null;
  releasedRevision: number | null;
  releasedAt: string | null;
  /** Oldest first. */
  revisions: RevisionStatus[];
}

/** The revision in a `fx#0002#…`, `rev#0002` or `sent#0002#…` sort key. */
export function revisionFromSk(sk: string): number | null {
  const match = /^(?:fx|rev|sent)#(\d+)/.exec(sk);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** The marker name in `fx#<rev>#<name>`. */
function effectName(item: EffectInput): string {
  if (item.effect) return item.effect;
  const match = /^fx#\d+#(.+)$/.exec(item.sk);
  return match?.[1] ?? item.sk;
}

/** Order in which ingest and release run their side effects; unknown names sort last. */
const EFFECT_ORDER = [
  'unschedule',
  'render',
  'press',
  'press-list-report',
  'partners',
  'schedule',
  'ops-summary',
  'release-skipped',
  'release-files',
  'release-partners',
  'release-website',
  'website-hook',
  'release-ops',
];

function effectRank(name: string): number {
  const index = EFFECT_ORDER.indexOf(name);
  return index === -1 ? EFFECT_ORDER.length : index;
}

/** Null when the ledger holds nothing for the statement. */
export function summariseStatement(
  items: StatementItems,
  now: Date,
  options: { defaultTimeZone?: string } = {},
): StatementStatus | null {
  const { head } = items;
  if (
    head === null &&
    items.revisions.length === 0 &&
    items.effects.length === 0 &&
    items.sends.length === 0
  ) {
    return null;
  }
  const nowMs = now.getTime();
  const byRevision = new Map<number, RevisionStatus>();
  const entry = (revision: number): RevisionStatus => {
    let found = byRevision.get(revision);
    if (!found) {
      found = {
        revision,
        sha256: null,
        receivedAt: null,
        sourceKey: null,
        outcome: null,
        complete: false,
        completedAt: null,
        embargo: { until: null, display: null, lifted: false, released: false, releasedAt: null },
        effects: [],
        audit: { uploadedBy: null, proofs: [], decisions: [] },
        emails: { sent: 0, sending: 0, rejected: 0, possibleDuplicates: 0 },
        batches: null,
      };
      byRevision.set(revision, found);
    }
    return found;
  };

  for (const item of items.revisions) {
    const rev = entry(item.revision);
    rev.sha256 = item.sha256;
    rev.receivedAt = item.receivedAt;
    rev.sourceKey = item.sourceKey;
    rev.outcome = item.outcome ?? item.kind;
    rev.complete = item.complete === true;
    rev.completedAt = item.completedAt;
    rev.embargo.until = item.plan?.embargo?.until ?? null;
    rev.embargo.display = item.plan?.embargo?.display ?? null;
    rev.audit.uploadedBy = item.uploadedBy ?? null;
  }

  for (const item of items.approvals ?? []) {
    const { revision, ...decision } = item;
    entry(revision).audit.decisions.push(decision);
  }

  for (const item of items.effects) {
    const revision = item.revision ?? revisionFromSk(item.sk);
    if (revision === null) continue;
    entry(revision).effects.push({
      name: effectName(item),
      status: item.status,
      claimedAt: item.claimedAt,
      doneAt: item.doneAt ?? null,
      stalled: item.status === 'pending' && Date.parse(item.leaseUntil) < nowMs,
      detail: item.detail ?? {},
    });
  }

  for (const item of items.sends) {
    const revision = item.revision ?? revisionFromSk(item.sk);
    if (revision === null) continue;
    const counts = entry(revision).emails;
    if (item.status === 'sent') counts.sent++;
    else if (item.status === 'rejected') counts.rejected++;
    else counts.sending++;
    if ((item.attempts ?? 1) > 1 || (item.ambiguous ?? 0) > 0) counts.possibleDuplicates++;
  }

  for (const item of items.tallies ?? []) {
    entry(item.revision).batches = {
      done: new Set(item.batchesDone).size,
      expected: item.expectedBatches ?? null,
    };
  }

  if (head) entry(head.latestRevision);

  for (const rev of byRevision.values()) {
    rev.effects.sort((a, b) => effectRank(a.name) - effectRank(b.name));
    rev.audit.proofs = rev.effects
      .filter((e) => e.name.startsWith('proof#') && e.status === 'done')
      .map((e) => ({
        to: typeof e.detail.to === 'string' ? e.detail.to : e.name.slice('proof#'.length),
        at: e.doneAt ?? e.claimedAt,
      }));
    rev.audit.decisions.sort((a, b) => a.at.localeCompare(b.at));
    // The plan recorded with the revision holds its lift; the schedule marker for older records.
    const scheduledAt = rev.effects.find((e) => e.name === 'schedule')?.detail.at;
    const until = rev.embargo.until ?? (typeof scheduledAt === 'string' ? scheduledAt : null);
    // release-files is the release's first step; the head records only the current release.
    const releaseFiles = rev.effects.find((e) => e.name === 'release-files' && e.status === 'done');
    const headReleased = head?.releasedRevision === rev.revision;
    rev.embargo = {
      until,
      display: rev.embargo.display,
      lifted: until === null || Date.parse(until) <= nowMs,
      released: headReleased || releaseFiles !== undefined,
      releasedAt: headReleased ? (head?.releasedAt ?? null) : (releaseFiles?.doneAt ?? null),
    };
  }

  const revisions = [...byRevision.values()].sort((a, b) => a.revision - b.revision);
  const latest = head ? byRevision.get(head.latestRevision) : undefined;
  const ownZone = [...items.revisions]
    .sort((a, b) => b.revision - a.revision)
    .map((r) => r.plan?.embargo?.timezone)
    .find((zone): zone is string => typeof zone === 'string');
  return {
    id: items.id,
    timeZone:
      ownZone ?? head?.current?.embargo?.timezone ?? options.defaultTimeZone ?? 'Europe/London',
    headline: head?.headline ?? null,
    latestRevision: head?.latestRevision ?? null,
    status: head?.current?.status ?? null,
    state: head && latest ? stateOf(head, latest) : null,
    createdAt: head?.createdAt ?? null,
    updatedAt: head?.updatedAt ?? null,
    releasedRevision: head?.releasedRevision ?? null,
    releasedAt: head?.releasedAt ?? null,
    revisions,
  };
}

function stateOf(head: HeadInput, latest: RevisionStatus): StatementState {
  if (head.current?.status === 'withdraw') return 'withdrawn';
  if (head.awaitingRevision === latest.revision) return 'awaiting-approval';
  if (latest.outcome === 'rejected') return 'rejected';
  if (latest.embargo.released) return 'released';
  if (!latest.complete) return 'processing';
  return latest.embargo.lifted ? 'release-overdue' : 'embargoed';
}

export { formatStatus } from './format';
