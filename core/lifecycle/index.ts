// Over 400 lines because every rule of the lifecycle stays in one file, read beside the table in docs/architecture.md; the types are in types.ts.
/**
 * A statement's lifecycle, decided in one place. Every handler asks these
 * functions and acts on the answer; none decides locally. The rules, as a
 * table, are in docs/architecture.md ("A statement's lifecycle").
 *
 * - `decideUpload`: a new revision against the ledger's head → refuse (with a
 *   field-level reason) or accept, with the plan: kind, the embargo in force,
 *   how the lift moved, and the effects per audience.
 * - `planRevision`: the plan alone, for a revision going ahead now (an upload
 *   without approval, or an approval).
 * - `decideRelease`, `decideWebsitePost`, `decideDelivery`: the fences. An effect
 *   of revision n runs only while n is the revision in force, so nothing of an
 *   older revision reaches anyone after a newer one.
 *
 * Pure: no I/O, no clock (the time is an argument).
 */
import { formatEmbargoTime } from '../statement/embargo';
import type { EmbargoInfo, Issue } from '../types';
import type {
  ApprovalDecisionVerdict,
  Channels,
  CurrentRevision,
  DeliveryDecision,
  Effect,
  IncomingRevision,
  LifecycleHead,
  LiftChange,
  Reached,
  ReleaseDecision,
  RevisionKind,
  RevisionPlan,
  UploadDecision,
  WebsiteDecision,
  WebsiteNotice,
} from './types';

export * from './types';

export interface ApprovalPolicy {
  /** Whether a withdrawal waits for approval too (by default a kill notice never waits). */
  withdrawals: 'immediate' | 'approve';
}

export interface DecideOptions {
  now: Date;
  /** Zone for an embargo without `timezone`. */
  defaultTimezone: string;
  /** Set when approval is configured. */
  approval?: ApprovalPolicy | null;
}

const NOTHING_REACHED: Reached = { pressTopics: null, partners: false, website: false };

/** A new revision uploaded: refuse it, or accept it and say what happens (now or on approval). */
export function decideUpload(
  head: LifecycleHead | null,
  incoming: IncomingRevision,
  options: DecideOptions,
): UploadDecision {
  const refusal = refusalOf(head, incoming);
  if (refusal) return { verdict: 'refuse', issues: [refusal], warnings: [] };
  const { plan, warnings } = planWithWarnings(head, incoming, options);
  const needsApproval =
    options.approval != null &&
    (incoming.status === 'publish' || options.approval.withdrawals === 'approve');
  return { verdict: 'accept', next: needsApproval ? 'await-approval' : 'go', plan, warnings };
}

/** The plan of a revision going ahead at `options.now` (its refusal rules already passed). */
export function planRevision(
  head: LifecycleHead | null,
  incoming: IncomingRevision,
  options: Omit<DecideOptions, 'approval'>,
): { plan: RevisionPlan; warnings: Issue[] } {
  return planWithWarnings(head, incoming, options);
}

/** Why the head cannot take this revision, if it cannot. */
export function refusalOf(head: LifecycleHead | null, incoming: IncomingRevision): Issue | null {
  const { id, revision } = incoming;
  if (head?.current?.status === 'withdraw') {
    return {
      path: incoming.status === 'withdraw' ? 'status' : 'revision',
      message: `"${id}" was withdrawn in revision ${head.current.revision}, and a withdrawal is final: nothing more can be sent under this id. To publish the statement again, give it a new id.`,
    };
  }
  if (head && revision <= head.latestRevision) {
    return {
      path: 'revision',
      message:
        revision === head.latestRevision
          ? `revision ${revision} of ${id} was already received with different content; to correct it upload revision ${revision + 1}`
          : `revision ${revision} is older than revision ${head.latestRevision}, which Herald already has; to correct the statement upload revision ${head.latestRevision + 1}`,
    };
  }
  if (incoming.status === 'withdraw' && !head) {
    return {
      path: 'status',
      message: `Herald has no statement "${id}" to withdraw; check the id, or upload the statement itself first.`,
    };
  }
  return null;
}

function planWithWarnings(
  head: LifecycleHead | null,
  incoming: IncomingRevision,
  options: Omit<DecideOptions, 'approval'>,
): { plan: RevisionPlan; warnings: Issue[] } {
  return incoming.status === 'withdraw'
    ? planWithdrawal(head, incoming, options.now)
    : planPublication(head, incoming, options);
}

/** Withdrawal: final; every holder is told, whatever `channels` say; the website too if anything went public. */
function planWithdrawal(
  head: LifecycleHead | null,
  incoming: IncomingRevision,
  now: Date,
): { plan: RevisionPlan; warnings: Issue[] } {
  const reached = head?.reached ?? NOTHING_REACHED;
  const warnings: Issue[] = [];
  const off = offChannels(incoming);
  if (off.length > 0) {
    warnings.push({
      path: 'channels',
      message: `channels (${off.join(', ')} off) are ignored on a withdrawal: every journalist who was sent the statement gets the kill notice, every partner who had it is told, and the website takes it down if it was released.`,
    });
  }
  if (incoming.embargo) {
    warnings.push({
      path: 'embargo',
      message: 'embargo is ignored on a withdrawal: a withdrawal takes effect at once.',
    });
  }
  // Public files and the website are touched only by a release with the website on.
  const onWebsite = reached.website || head?.releaseStarted?.website === true;
  const effects: Effect[] = [{ kind: 'unschedule', below: incoming.revision }];
  if (reached.pressTopics !== null)
    effects.push({ kind: 'press', type: 'withdrawn', topics: null, holders: true });
  if (reached.partners) effects.push({ kind: 'partners', type: 'statement.withdrawn' });
  if (onWebsite) effects.push({ kind: 'unpublish' });
  return {
    plan: {
      revision: incoming.revision,
      status: 'withdraw',
      kind: 'withdrawn',
      embargo: null,
      inheritedFrom: null,
      liftChange: null,
      channels: { press: reached.pressTopics !== null, partners: reached.partners, website: false },
      effects,
      reached,
      basedOn: head?.latestRevision ?? null,
      decidedAt: now.toISOString(),
    },
    warnings,
  };
}

function planPublication(
  head: LifecycleHead | null,
  incoming: IncomingRevision,
  options: Omit<DecideOptions, 'approval'>,
): { plan: RevisionPlan; warnings: Issue[] } {
  const { now } = options;
  const prior = head?.current?.status === 'publish' ? head.current : null;
  const reached = head?.reached ?? NOTHING_REACHED;
  const kind: RevisionKind = prior ? 'corrected' : 'published';
  const warnings: Issue[] = [];
  const named = namedEmbargo(incoming, options);

  let embargo: EmbargoInfo | null = null;
  let inheritedFrom: number | null = null;
  let liftChange: LiftChange | null = null;
  const priorLift = prior?.embargo ?? null;
  const alreadyPublic =
    head?.releasedRevision != null ||
    (prior !== null && (priorLift === null || liftHasPassed(priorLift, now)));

  if (prior && alreadyPublic) {
    if (named && !named.passed) {
      warnings.push({
        path: 'embargo',
        message: `Revision ${prior.revision} of this statement is already public, so this correction goes out at once and its embargo (${named.info.display}) is ignored.`,
      });
    }
  } else if (prior && priorLift) {
    // The earlier revision's embargo is still in force.
    if (!named) {
      embargo = priorLift;
      inheritedFrom = prior.revision;
      warnings.push({
        path: 'embargo',
        message: `This correction names no embargo, so it keeps revision ${prior.revision}'s: it stays EMBARGOED until ${priorLift.display}. To move the lift, give the correction its own "embargo".`,
      });
    } else if (named.passed) {
      liftChange = { from: priorLift, to: null };
      warnings.push({
        path: 'embargo.until',
        message: `This correction's embargo (${named.info.display}) has already passed, so it lifts the embargo of revision ${prior.revision} (${priorLift.display}) early: the statement goes public at once.`,
      });
    } else {
      embargo = named.info;
      if (named.info.until !== priorLift.until) {
        liftChange = { from: priorLift, to: named.info };
        warnings.push({
          path: 'embargo.until',
          message: `This correction moves the lift ${Date.parse(named.info.until) < Date.parse(priorLift.until) ? 'earlier' : 'later'}: from ${priorLift.display} to ${named.info.display}. The journalists' email says so.`,
        });
      }
    }
  } else if (named) {
    if (named.passed) {
      warnings.push({
        path: 'embargo.until',
        message: `The embargo lifted at ${named.info.display}, which has already passed, so the statement is treated as not embargoed and goes out at once. Remove the embargo or set a future time.`,
      });
    } else {
      embargo = named.info;
    }
  }
  if (!prior && incoming.revision > 1 && head?.current == null) {
    warnings.push({
      path: 'revision',
      message: `No earlier revision of "${incoming.id}" went out, so revision ${incoming.revision} goes out as a first publication, not as a correction.`,
    });
  }

  const own: Channels = {
    press: incoming.channels?.press ?? true,
    partners: incoming.channels?.partners ?? true,
    website: incoming.channels?.website ?? true,
  };
  // Sticky channels: whoever an earlier revision reached keeps hearing about the statement.
  const channels: Channels = {
    press: own.press || reached.pressTopics !== null,
    partners: own.partners || reached.partners,
    website: own.website || reached.website,
  };
  const overridden = (['press', 'partners', 'website'] as const).filter(
    (c) => channels[c] && !own[c],
  );
  if (overridden.length > 0) {
    warnings.push({
      path: 'channels',
      message: `channels.${overridden.join(', channels.')} ${overridden.length === 1 ? 'is' : 'are'} false, but an earlier revision already went there, so this correction still goes to ${overridden.map(audienceName).join(', ')}: everyone who has the earlier text hears about the correction.`,
    });
  }

  const ownTopics = [...(incoming.topics ?? [])].map((t) => t.toLowerCase());
  const pressTopics = !channels.press
    ? null
    : own.press
      ? unionTopics(reached.pressTopics, ownTopics)
      : reached.pressTopics;

  const effects: Effect[] = [];
  if (prior) effects.push({ kind: 'unschedule', below: incoming.revision });
  if (pressTopics !== null) {
    effects.push({ kind: 'press', type: kind, topics: pressTopics, holders: prior !== null });
  }
  if (channels.partners) effects.push({ kind: 'partners', type: `statement.${kind}` });
  if (embargo) effects.push({ kind: 'schedule', at: embargo.until });
  else effects.push({ kind: 'release', partners: channels.partners, website: channels.website });

  return {
    plan: {
      revision: incoming.revision,
      status: 'publish',
      kind,
      embargo,
      inheritedFrom,
      liftChange,
      channels,
      effects,
      reached: {
        pressTopics,
        partners: channels.partners,
        // The website is reached when a release tells it (recordRelease).
        website: reached.website,
      },
      basedOn: head?.latestRevision ?? null,
      decidedAt: now.toISOString(),
    },
    warnings,
  };
}

/** The head after `plan` went ahead (the ledger stores this). */
export function headAfter(
  head: LifecycleHead | null,
  id: string,
  plan: RevisionPlan,
): LifecycleHead {
  const current: CurrentRevision = {
    revision: plan.revision,
    status: plan.status,
    kind: plan.kind,
    embargo: plan.embargo,
    channels: plan.channels,
  };
  return {
    id,
    latestRevision: Math.max(head?.latestRevision ?? 0, plan.revision),
    current,
    awaitingRevision:
      head?.awaitingRevision != null && head.awaitingRevision > plan.revision
        ? head.awaitingRevision
        : null,
    releasedRevision: head?.releasedRevision ?? null,
    releaseStarted: head?.releaseStarted ?? null,
    reached: plan.reached,
  };
}

/**
 * The head once `revision` was accepted to await approval: it is the latest
 * revision and the one awaiting, and nothing else moves (what is in force, what
 * was reached and released stay as they were). It supersedes any older revision
 * that was awaiting.
 */
export function headAwaiting(
  head: LifecycleHead | null,
  id: string,
  revision: number,
): LifecycleHead {
  return {
    id,
    latestRevision: Math.max(head?.latestRevision ?? 0, revision),
    current: head?.current ?? null,
    awaitingRevision: revision,
    releasedRevision: head?.releasedRevision ?? null,
    releaseStarted: head?.releaseStarted ?? null,
    reached: head?.reached ?? NOTHING_REACHED,
  };
}

/**
 * May a decision on `revision` (an approval or a rejection) act now? Only while
 * it is the revision awaiting approval; otherwise why not: a newer revision
 * superseded it, or it was already decided.
 */
export function decideApproval(
  head: LifecycleHead | null,
  revision: number,
): ApprovalDecisionVerdict {
  if (head?.awaitingRevision === revision) return { act: true };
  if (head === null || head.latestRevision < revision) return { act: false, reason: 'unknown' };
  if (head.latestRevision > revision) {
    return { act: false, reason: 'superseded', by: head.latestRevision };
  }
  return { act: false, reason: 'decided' };
}

/** Should the release of `revision` happen now? */
export function decideRelease(
  head: LifecycleHead | null,
  revision: number,
  now: Date,
): ReleaseDecision {
  const current = head?.current;
  if (!head) return { action: 'skip', reason: 'unknown-statement' };
  if (!current) return { action: 'skip', reason: 'not-gone-ahead' };
  if (current.status === 'withdraw') return { action: 'skip', reason: 'withdrawn' };
  if (current.revision > revision) return { action: 'skip', reason: 'superseded' };
  if (current.revision < revision) return { action: 'skip', reason: 'not-gone-ahead' };
  if (head.releasedRevision != null && head.releasedRevision >= revision) {
    return { action: 'skip', reason: 'already-released' };
  }
  if (current.embargo && !liftHasPassed(current.embargo, now)) {
    return { action: 'wait', until: current.embargo.until };
  }
  return {
    action: 'release',
    partners: current.channels.partners,
    website: current.channels.website,
  };
}

/**
 * May the website be told `notice` now? Only about the revision in force, and never
 * about a revision at or below one it was already told about (`lastPosted`).
 */
export function decideWebsitePost(
  head: LifecycleHead | null,
  lastPosted: number | null,
  notice: WebsiteNotice,
  now: Date,
): WebsiteDecision {
  if (lastPosted !== null && lastPosted >= notice.revision) {
    return {
      post: false,
      reason: lastPosted === notice.revision ? 'already-posted' : 'newer-posted',
    };
  }
  const current = head?.current;
  if (!current) return { post: false, reason: 'not-public' };
  if (notice.type === 'statement.withdrawn') {
    return current.status === 'withdraw' && current.revision === notice.revision
      ? { post: true }
      : { post: false, reason: 'superseded' };
  }
  if (current.status === 'withdraw') return { post: false, reason: 'withdrawn' };
  if (current.revision !== notice.revision) return { post: false, reason: 'superseded' };
  if (current.embargo && !liftHasPassed(current.embargo, now)) {
    return { post: false, reason: 'not-public' };
  }
  return { post: true };
}

/**
 * Press delivery (dispatch, send) of `revision`: only while it is the revision in
 * force. A newer revision's own delivery covers everyone the older one was for.
 */
export function decideDelivery(head: LifecycleHead | null, revision: number): DeliveryDecision {
  return head?.current?.revision === revision ? 'go' : 'superseded';
}

/** A lift at or before `now` has lifted. */
export function liftHasPassed(embargo: Pick<EmbargoInfo, 'until'>, now: Date): boolean {
  return Date.parse(embargo.until) <= now.getTime();
}

/** `[]` means every topic, so it absorbs any other selection. */
export function unionTopics(a: readonly string[] | null, b: readonly string[]): string[] {
  if (a === null) return [...b];
  if (a.length === 0 || b.length === 0) return [];
  return [...new Set([...a, ...b])];
}

function namedEmbargo(
  incoming: IncomingRevision,
  options: Pick<DecideOptions, 'now' | 'defaultTimezone'>,
): { info: EmbargoInfo; passed: boolean } | null {
  if (!incoming.embargo) return null;
  const lift = new Date(incoming.embargo.until);
  const timezone = incoming.embargo.timezone ?? options.defaultTimezone;
  return {
    info: { until: lift.toISOString(), timezone, display: formatEmbargoTime(lift, timezone) },
    passed: lift.getTime() <= options.now.getTime(),
  };
}

function offChannels(incoming: IncomingRevision): string[] {
  return Object.entries(incoming.channels ?? {})
    .filter(([, on]) => on === false)
    .map(([name]) => name);
}

function audienceName(channel: keyof Channels): string {
  return { press: 'the journalists', partners: 'the partners', website: 'the website' }[channel];
}

/**
 * The head after an upload is decided and, if accepted, carried out at `options.now`
 * (a release with no embargo in force happens at once). For previews: `herald
 * validate` runs a statement's files through it in order.
 */
export function simulateUpload(
  head: LifecycleHead | null,
  incoming: IncomingRevision,
  options: DecideOptions,
): { decision: UploadDecision; head: LifecycleHead | null } {
  const decision = decideUpload(head, incoming, options);
  if (decision.verdict === 'refuse') return { decision, head };
  if (decision.next === 'await-approval') {
    return { decision, head: headAwaiting(head, incoming.id, incoming.revision) };
  }
  const next = headAfter(head, incoming.id, decision.plan);
  const release = decision.plan.effects.find((e) => e.kind === 'release');
  if (release?.kind === 'release') {
    next.releasedRevision = incoming.revision;
    next.reached = { ...next.reached, website: next.reached.website || release.website };
  }
  return { decision, head: next };
}
