// Over 400 lines because it gathers each audience's outcome (ledger, outbox, receivers, S3) into one snapshot, one small reader per audience.
/**
 * What the newsroom console shows, read from a running local stack: each statement's
 * state from the ledger (functions/shared/ledger/status + core/status, as `herald status`
 * reads it), and per revision what each audience got, from what the stack recorded (the
 * outbox, the partner and website receivers, ops.jsonl, the send batches and press jobs).
 * Nothing here decides anything: a state the ledger does not hold is not invented.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { renderedKey } from '../../core/bucket-layout';
import type { Channels } from '../../core/lifecycle/types';
import { formatEmbargoTime } from '../../core/statement/embargo';
import { type StatementState, summariseStatement } from '../../core/status';
import type { EmbargoInfo, Issue, SocialCopy } from '../../core/types';
import { readStatementItems } from '../../functions/shared/ledger/status';
import { readJsonl } from '../jsonl';
import type { LocalStack } from '../stack';
import { pressNote, revisionKey, type StatementOutcome } from '../summary';
import { type SocialPostView, socialViews } from './social';

/** The ledger's states, and the one approval adds (a revision waiting for an approver). */
export type ConsoleState = StatementState;

export interface ClockView {
  /** ISO UTC. */
  now: string;
  timeZone: string;
  /** The clock follows wall time from where it was set (a frozen clock moves only when told). */
  running: boolean;
  /** Set when the time was chosen for the demo (`npm start` with the examples). */
  demo: boolean;
  nextLift: { at: string; display: string; id: string; revision: number } | null;
}

export interface Journalist {
  email: string;
  name: string | null;
  outlet: string | null;
}

export type { SocialPostView } from './social';

export interface PartnerMessageView {
  type: string;
  receivedAt: string;
  embargoed: string | null;
}

export interface PartnerView {
  name: string;
  protocol: string;
  /** The subscription's filter policy, as configured (null: every message). */
  filterPolicy: string | null;
  messages: PartnerMessageView[];
}

export interface WebsiteCallView {
  type: string;
  receivedAt: string;
  delivery: string | null;
}

export interface OpsMessageView {
  subject: string | null;
  text: string;
  receivedAt: string;
}

export interface EmailFileView {
  recipient: string;
  /** A second copy to the same journalist shows as copy 2 (it should never happen). */
  copy: number;
}

export interface RevisionView {
  revision: number;
  kind: 'published' | 'corrected' | 'withdrawn' | null;
  /** The uploaded file (incoming/<file>). */
  file: string | null;
  receivedAt: string | null;
  complete: boolean;
  warnings: Issue[];
  /** The lift in force for this revision, or null. */
  embargo: EmbargoInfo | null;
  /** The revision whose embargo this one kept (a correction that names none). */
  inheritedFrom: number | null;
  /** How this revision moved the lift (null `to`: lifted early). */
  liftChange: { from: string; to: string | null } | null;
  channels: Channels | null;
  released: boolean;
  releasedAt: string | null;
  press: {
    emailed: Journalist[];
    skipped: Journalist[];
    failed: Journalist[];
    /** Why nobody was emailed, when nobody was. */
    note: string | null;
  };
  partners: PartnerView[];
  website: WebsiteCallView[];
  ops: OpsMessageView[];
  emails: EmailFileView[];
  social: SocialPostView[] | null;
}

export interface StatementView {
  id: string;
  headline: string | null;
  state: ConsoleState | null;
  /** The zone the statement's times are shown in (its embargo's, else the config's). */
  timeZone: string;
  latestRevision: number | null;
  /** The lift in force for the latest revision. */
  embargo: EmbargoInfo | null;
  awaitingRevision: number | null;
  releasedAt: string | null;
  /** Newest first. */
  revisions: RevisionView[];
}

export interface UploadView {
  file: string;
  id: string | null;
  revision: number | null;
  outcome: StatementOutcome;
  errors: Issue[];
  warnings: Issue[];
}

export interface ConsoleSnapshot {
  clock: ClockView;
  /** Most recently active first. */
  statements: StatementView[];
  /** Every upload, newest first. */
  uploads: UploadView[];
  /** Newest first. */
  ops: OpsMessageView[];
  deadLetters: number;
  duplicateEmails: number;
  paths: { stateDir: string; outbox: string };
}

export interface ModelOptions {
  /** The clock was set for the demo. */
  demo?: boolean;
}

/** Everything the console shows, read now. */
export async function readSnapshot(
  stack: LocalStack,
  options: ModelOptions = {},
): Promise<ConsoleSnapshot> {
  const summary = stack.summary();
  const now = stack.clock.now();
  const ops = (await readJsonl<OpsMessageView>(stack.paths.ops)).reverse();
  const ids = [
    ...new Set(
      summary.statements.map((s) => s.id).filter((id): id is string => typeof id === 'string'),
    ),
  ];
  const statements = await Promise.all(ids.map((id) => readStatement(stack, id, now, ops)));
  statements.sort((a, b) => lastActivity(b).localeCompare(lastActivity(a)));
  const next = stack.scheduler.pending()[0];
  const nextLift = next ? liftOf(next.payload, next.at, statements, stack.config.timezone) : null;
  return {
    clock: {
      now: now.toISOString(),
      timeZone: stack.config.timezone,
      running: stack.clock.mode === 'running',
      demo: options.demo === true,
      nextLift,
    },
    statements,
    uploads: summary.statements
      .map((s) => ({
        file: s.file,
        id: s.id,
        revision: s.revision,
        outcome: s.outcome,
        errors: s.errors,
        warnings: s.warnings,
      }))
      .reverse(),
    ops,
    deadLetters: summary.deadLetters,
    duplicateEmails: summary.duplicateEmails,
    paths: { stateDir: stack.paths.stateDir, outbox: stack.paths.outbox },
  };
}

function lastActivity(s: StatementView): string {
  return s.revisions[0]?.receivedAt ?? '';
}

function liftOf(
  payload: string,
  at: string,
  statements: readonly StatementView[],
  defaultZone: string,
): ClockView['nextLift'] {
  let id = '';
  let revision = 0;
  try {
    const request = JSON.parse(payload) as { id?: unknown; revision?: unknown };
    if (typeof request.id === 'string') id = request.id;
    if (typeof request.revision === 'number') revision = request.revision;
  } catch {
    // Not a release request: shown without a statement.
  }
  const statement = statements.find((s) => s.id === id);
  const display =
    statement?.embargo?.until === at
      ? statement.embargo.display
      : formatEmbargoTime(new Date(at), statement?.timeZone ?? defaultZone);
  return { at, display, id, revision: revision || (statement?.latestRevision ?? 0) };
}

async function readStatement(
  stack: LocalStack,
  id: string,
  now: Date,
  ops: readonly OpsMessageView[],
): Promise<StatementView> {
  const items = await readStatementItems(
    { ddb: stack.clients.ddb, tableName: stack.tableName },
    id,
  );
  const status = summariseStatement(items, now);
  const head = items.head;
  const plans = new Map(items.revisions.map((r) => [r.revision, r]));
  const timeZone =
    [...items.revisions]
      .reverse()
      .map((r) => r.plan?.embargo?.timezone ?? r.plan?.liftChange?.from.timezone)
      .find((z): z is string => z !== undefined) ?? stack.config.timezone;
  const uploads = stack.summary().statements.filter((s) => s.id === id);

  const revisions: RevisionView[] = [];
  for (const rev of [...(status?.revisions ?? [])].reverse()) {
    const item = plans.get(rev.revision);
    const plan = item?.plan ?? null;
    const upload = uploads.find(
      (u) => u.revision === rev.revision && u.outcome !== 'duplicate' && u.outcome !== 'rejected',
    );
    const kind = plan?.kind ?? item?.kind ?? null;
    revisions.push({
      revision: rev.revision,
      kind,
      file: upload?.file ?? item?.sourceKey.replace(/^incoming\//, '') ?? null,
      receivedAt: rev.receivedAt,
      complete: rev.complete,
      warnings: item?.warnings ?? upload?.warnings ?? [],
      embargo: plan?.embargo ?? null,
      inheritedFrom: plan?.inheritedFrom ?? null,
      liftChange: plan?.liftChange
        ? { from: plan.liftChange.from.display, to: plan.liftChange.to?.display ?? null }
        : null,
      channels: plan?.channels ?? null,
      released: rev.embargo.released,
      releasedAt: rev.embargo.releasedAt,
      press: pressOf(stack, id, rev.revision, kind),
      partners: partnersOf(stack, id, rev.revision),
      website: websiteOf(stack, id, rev.revision),
      ops: opsOf(ops, id, rev.revision),
      emails: stack.outbox.entries
        .filter((e) => e.id === id && e.revision === rev.revision)
        .map((e) => ({ recipient: e.recipient, copy: e.copy }))
        .sort((a, b) => a.recipient.localeCompare(b.recipient) || a.copy - b.copy),
      social: kind === 'withdrawn' ? null : await socialOf(stack, id, rev.revision),
    });
  }
  const latest = revisions.find((r) => r.revision === status?.latestRevision) ?? revisions[0];
  return {
    id,
    headline: status?.headline ?? null,
    state: head?.awaitingRevision != null ? 'awaiting-approval' : (status?.state ?? null),
    timeZone,
    latestRevision: status?.latestRevision ?? null,
    embargo: head?.current?.embargo ?? latest?.embargo ?? null,
    awaitingRevision: head?.awaitingRevision ?? null,
    releasedAt: status?.releasedAt ?? null,
    revisions,
  };
}

function journalist(stack: LocalStack, email: string): Journalist {
  const known = stack.records.journalists.get(email.toLowerCase());
  return { email, name: known?.name ?? null, outlet: known?.outlet ?? null };
}

function pressOf(
  stack: LocalStack,
  id: string,
  revision: number,
  kind: RevisionView['kind'],
): RevisionView['press'] {
  const key = revisionKey(id, revision);
  const emailed = new Set(
    stack.outbox.entries
      .filter((e) => e.id === id && e.revision === revision)
      .map((e) => e.recipient.toLowerCase()),
  );
  const selected = stack.records.selectedByRevision.get(key) ?? new Set<string>();
  const dead = stack.records.failedByRevision.get(key) ?? new Set<string>();
  const failed = [...dead].filter((e) => !emailed.has(e));
  const skipped = [...selected].filter((e) => !emailed.has(e) && !dead.has(e));
  const byName = (a: Journalist, b: Journalist) =>
    (a.name ?? a.email).localeCompare(b.name ?? b.email);
  return {
    emailed: [...emailed].map((e) => journalist(stack, e)).sort(byName),
    skipped: skipped.map((e) => journalist(stack, e)).sort(byName),
    failed: failed.map((e) => journalist(stack, e)).sort(byName),
    note:
      emailed.size === 0 && kind !== null
        ? pressNote(kind, stack.records.pressJobs.get(key), stack.records.pressFailures.get(key), {
            selected: selected.size,
            failed: failed.length,
            skipped: skipped.length,
          })
        : null,
  };
}

function partnersOf(stack: LocalStack, id: string, revision: number): PartnerView[] {
  return stack.config.partners.subscriptions.map((subscription) => ({
    name: subscription.name,
    protocol: subscription.protocol,
    filterPolicy: subscription.filterPolicy ? JSON.stringify(subscription.filterPolicy) : null,
    messages: (stack.receivers.partners.get(subscription.name) ?? [])
      .filter((record) => {
        const statement = statementOf(record.message);
        return statement?.id === id && statement.revision === revision;
      })
      .map((record) => ({
        type: record.attributes.type?.Value ?? typeOf(record.message) ?? 'unknown',
        receivedAt: record.receivedAt,
        embargoed: record.attributes.embargoed?.Value ?? null,
      })),
  }));
}

function statementOf(message: unknown): { id: string; revision: number } | null {
  if (typeof message !== 'object' || message === null || !('statement' in message)) return null;
  const statement: unknown = message.statement;
  if (typeof statement !== 'object' || statement === null) return null;
  const s = statement as { id?: unknown; revision?: unknown };
  return typeof s.id === 'string' && typeof s.revision === 'number'
    ? { id: s.id, revision: s.revision }
    : null;
}

function typeOf(message: unknown): string | null {
  return typeof message === 'object' &&
    message !== null &&
    'type' in message &&
    typeof message.type === 'string'
    ? message.type
    : null;
}

function websiteOf(stack: LocalStack, id: string, revision: number): WebsiteCallView[] {
  return stack.receivers.hooks.flatMap((hook) => {
    let body: { type?: unknown; id?: unknown; revision?: unknown };
    try {
      body = JSON.parse(hook.body) as typeof body;
    } catch {
      return [];
    }
    if (body.id !== id || body.revision !== revision) return [];
    return [
      {
        type: typeof body.type === 'string' ? body.type : 'unknown',
        receivedAt: hook.receivedAt,
        delivery: hook.headers['x-herald-delivery'] ?? null,
      },
    ];
  });
}

/** Ops messages about this revision: subjects name `<id> r<rev>`; texts say "revision <rev>". */
function opsOf(ops: readonly OpsMessageView[], id: string, revision: number): OpsMessageView[] {
  return ops.filter((m) => {
    const subject = m.subject ?? '';
    if (!subject.includes(id) && !m.text.includes(id)) return false;
    const named = /\br(\d+)\b/.exec(subject)?.[1] ?? /\brevision (\d+)\b/.exec(m.text)?.[1];
    return named === undefined || Number(named) === revision;
  });
}

async function socialOf(
  stack: LocalStack,
  id: string,
  revision: number,
): Promise<SocialPostView[] | null> {
  let copy: SocialCopy;
  try {
    const out = await stack.clients.s3.send(
      new GetObjectCommand({
        Bucket: stack.bucket,
        Key: renderedKey(id, revision, 'social'),
      }),
    );
    copy = JSON.parse((await out.Body?.transformToString('utf8')) ?? 'null') as SocialCopy;
  } catch {
    // Not rendered (yet): the page says so.
    return null;
  }
  return socialViews(copy);
}
