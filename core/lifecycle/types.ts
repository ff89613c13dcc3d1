/**
 * The shapes of a statement's lifecycle (docs/architecture.md, "A statement's
 * lifecycle"): what the ledger remembers about a statement (its head), what a
 * new revision asks for, and the plan the lifecycle decides for it. Plain,
 * JSON-serialisable data: the ledger stores heads and plans as they are.
 */
import type { EmbargoInfo, Issue, PartnerMessageType } from '../types';

export const REVISION_KINDS = ['published', 'corrected', 'withdrawn'] as const;

/** What a revision is to the people who receive it. */
export type RevisionKind = (typeof REVISION_KINDS)[number];

/** Each audience a statement can reach, after the statement's `channels` and the sticky rules. */
export interface Channels {
  press: boolean;
  partners: boolean;
  website: boolean;
}

/** The revision whose effects are in force: the last one that went ahead (was not refused or left awaiting approval). */
export interface CurrentRevision {
  revision: number;
  status: 'publish' | 'withdraw';
  kind: RevisionKind;
  /** The lift in force for this revision when it went ahead; null when it went public at once. */
  embargo: EmbargoInfo | null;
  channels: Channels;
}

/**
 * What earlier revisions reached. A later revision keeps reaching them, whatever its own
 * `channels` say: a journalist or partner who holds a text hears about its correction.
 */
export interface Reached {
  /**
   * Press-list topics the statement has gone to (`[]`: every journalist on the list);
   * null while nothing has gone to the press.
   */
  pressTopics: string[] | null;
  partners: boolean;
  website: boolean;
}

/** The ledger's summary of one statement: everything the lifecycle decides from. */
export interface LifecycleHead {
  id: string;
  /** The highest revision Herald accepted (gone ahead or awaiting approval). */
  latestRevision: number;
  /** Null while no revision has gone ahead (the first one awaits approval). */
  current: CurrentRevision | null;
  /** A revision accepted and waiting for approval (always newer than `current`). */
  awaitingRevision: number | null;
  /** The revision last made public (public files, statement.released, website). */
  releasedRevision: number | null;
  /**
   * A release that started: it may have written public files or told the website before
   * it finished, so a withdrawal must take them back even if `releasedRevision` is unset.
   */
  releaseStarted: { revision: number; website: boolean } | null;
  reached: Reached;
}

/** The fields of an uploaded revision the lifecycle reads (a parsed statement has them all). */
export interface IncomingRevision {
  id: string;
  revision: number;
  status: 'publish' | 'withdraw';
  /** As written in the file: a lift that has passed is still "named". */
  embargo?: { until: string; timezone?: string | undefined } | undefined;
  channels?: { press?: boolean; partners?: boolean; website?: boolean } | undefined;
  topics?: readonly string[] | undefined;
}

/** Partner message types a revision publishes when it goes ahead. */
export type PartnerAnnouncement = Exclude<PartnerMessageType, 'statement.released'>;

/** One side effect of a revision going ahead, in the order they run. */
export type Effect =
  /** Cancel the release schedules of earlier revisions. */
  | { kind: 'unschedule'; below: number }
  /**
   * Email the press: the journalists on the press list whose topics match `topics` (`[]`:
   * all; null: nobody from the list), plus, with `holders`, everyone who was sent any
   * earlier revision.
   */
  | { kind: 'press'; type: RevisionKind; topics: string[] | null; holders: boolean }
  | { kind: 'partners'; type: PartnerAnnouncement }
  /** Release this revision at the lift. */
  | { kind: 'schedule'; at: string }
  /** Release this revision now: public files, partners statement.released, the website. */
  | { kind: 'release'; partners: boolean; website: boolean }
  /** Take back what was released: published/ marked withdrawn, and the website told. */
  | { kind: 'unpublish' }
  /** Approval: a proof to each approver; nothing else happens until they approve. */
  | { kind: 'proofs' };

export type EffectKind = Effect['kind'];

/** How a correction changed the lift. */
export interface LiftChange {
  from: EmbargoInfo;
  /** Null: the lift was brought forward to now (the statement goes public at once). */
  to: EmbargoInfo | null;
}

/** What a revision does when it goes ahead, decided once and stored with the revision. */
export interface RevisionPlan {
  revision: number;
  status: 'publish' | 'withdraw';
  kind: RevisionKind;
  /** The lift in force for this revision (null: public at once, or a withdrawal). */
  embargo: EmbargoInfo | null;
  /** Set when the revision keeps an earlier revision's embargo without naming one. */
  inheritedFrom: number | null;
  liftChange: LiftChange | null;
  channels: Channels;
  effects: Effect[];
  /** `reached` once these effects have run (the head stores it when the revision goes ahead). */
  reached: Reached;
  /** The head's latest revision this plan was decided from (null: the first revision). */
  basedOn: number | null;
  /** When it was decided (ISO UTC). */
  decidedAt: string;
}

export type UploadDecision =
  | { verdict: 'refuse'; issues: Issue[]; warnings: Issue[] }
  | {
      verdict: 'accept';
      /** `go`: the plan runs now. `await-approval`: only `proofs` run; the plan is what approving now would do. */
      next: 'go' | 'await-approval';
      plan: RevisionPlan;
      warnings: Issue[];
    };

export type ReleaseSkipReason =
  | 'unknown-statement'
  | 'not-gone-ahead'
  | 'withdrawn'
  | 'superseded'
  | 'already-released';

export type ReleaseDecision =
  | { action: 'release'; partners: boolean; website: boolean }
  /** The lift in force is still ahead (a schedule fired early). */
  | { action: 'wait'; until: string }
  | { action: 'skip'; reason: ReleaseSkipReason };

/** What the website-hook consumer may POST. */
export interface WebsiteNotice {
  type: 'statement.released' | 'statement.withdrawn';
  revision: number;
}

export type WebsiteDecision =
  | { post: true }
  | {
      post: false;
      reason: 'already-posted' | 'newer-posted' | 'superseded' | 'withdrawn' | 'not-public';
    };

export type DeliveryDecision = 'go' | 'superseded';

/**
 * Whether an approval or rejection of a revision may act: only while that
 * revision awaits approval. `superseded`: a newer revision was uploaded since
 * (`by`); `decided`: it was already approved or rejected; `unknown`: Herald has
 * no such revision.
 */
export type ApprovalDecisionVerdict =
  | { act: true }
  | { act: false; reason: 'superseded'; by: number }
  | { act: false; reason: 'decided' | 'unknown' };
