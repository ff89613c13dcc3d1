import { renderedKey, renderedPrefix } from '../../core/bucket-layout';
import { buildPartnerMessage } from '../../core/envelope';
import { formatIssueLines } from '../../core/errors';
import type { Effect, RevisionPlan } from '../../core/lifecycle';
import { storedMimeFor } from '../../core/mime';
import { renderStatement } from '../../core/render';
import { escapeHtml } from '../../core/render/email';
import { fromHeader } from '../../core/render/sender';
import { fillSlots } from '../../core/render/slots';
import { PREVIEW_SLOTS } from '../../core/render/template/preview-data';
import type { Statement } from '../../core/statement/schema';
import type { Issue, LiftMoved, RenderedEmail, SenderDisplayName } from '../../core/types';
import {
  type EffectRun,
  type EffectRunner,
  revisionMarker,
  runEffect,
} from '../shared/ledger/effects';
import type { StatementLock } from '../shared/ledger/statements';
import { opsSubject } from '../shared/messages';
import { type RenderedBundle, readBundle } from '../shared/rendered';
import type { StoredEmail } from '../shared/rendered-email';
import { putJson, putObject } from '../shared/storage';
import { type PlanStep, runStep } from './plan-steps';
import type { IngestDeps, IngestOutcome, IngestSettings, Upload } from './types';

export { scheduleName } from './plan-steps';

export interface PlanRun {
  upload: Upload;
  statement: Statement;
  plan: RevisionPlan;
  sha256: string;
  warnings: Issue[];
  /** A redelivery finishing an interrupted attempt. */
  resumed: boolean;
  /** The email rendered for the size check, reused so MJML runs once. */
  email?: RenderedEmail | undefined;
  /** The approval audit trail (uploaded, proofs, approvals), for the ops summary. */
  audit?: string[] | undefined;
}

export interface PlanResult {
  released: boolean;
  /** What was done, one line per step (the ops summary's lines). */
  report: string[];
}

/** What ingest reports for a revision whose plan it carried out. */
export function plannedOutcome(
  key: string,
  id: string,
  plan: RevisionPlan,
  warnings: Issue[],
  result: PlanResult,
): IngestOutcome {
  return {
    key,
    id,
    revision: plan.revision,
    outcome: plan.kind,
    errors: [],
    warnings,
    embargoUntil: plan.embargo?.until ?? null,
    released: result.released,
    liftChange: plan.liftChange,
  };
}

/** What the plan adds to the render: a lift that moved, and whose name the email is from. */
export function renderOptions(
  plan: RevisionPlan,
  displayName: SenderDisplayName | undefined,
): { liftMoved?: LiftMoved; displayName?: SenderDisplayName } {
  return {
    ...(plan.liftChange ? { liftMoved: { from: plan.liftChange.from } } : {}),
    ...(displayName ? { displayName } : {}),
  };
}

export async function runPlan(
  deps: IngestDeps,
  runner: EffectRunner,
  lock: StatementLock,
  run: PlanRun,
): Promise<PlanResult> {
  const { plan } = run;
  const { id } = lock;
  const { revision } = plan;
  const marker = (name: string) => revisionMarker(id, revision, name);
  const report: string[] = [];
  const note = noteInto(report);

  const { bundle: ready, outcome: rendered } = await renderOnce(deps, runner, id, run);
  note(rendered, `Rendered: s3://${deps.settings.bucket}/${renderedPrefix(id, revision)}`);
  report.push(...embargoLines(plan));

  const step: PlanStep = { deps, runner, lock, run, ready, marker, note, report };
  let released = false;
  for (const group of stepGroups(plan.effects)) {
    released = (await runTogether(step, group)) || released;
  }
  if (!plan.effects.some((e) => e.kind === 'press')) {
    report.push(
      plan.status === 'withdraw'
        ? 'Press: no kill notice needed (no journalist was sent this statement)'
        : 'Press email: off for this statement (channels.press is false)',
    );
  }
  if (!plan.effects.some((e) => e.kind === 'partners')) {
    report.push(
      plan.status === 'withdraw'
        ? 'Partners: nothing to withdraw (no partner was sent this statement)'
        : 'Partners: off for this statement (channels.partners is false)',
    );
  }

  const summary = await runEffect(runner, marker('ops-summary'), async () => {
    const { messageId } = await deps.publisher.publish({
      topic: 'ops',
      subject: opsSubject(`Herald: ${plan.kind} ${id} r${revision}`),
      body: summaryText(run, report),
    });
    return { messageId };
  });
  deps.logger.info('Statement revision processed', {
    kind: plan.kind,
    report,
    opsSummary: summary,
  });
  return { released, report };
}

/** A step's line for the ops summary, marked when a retry found it done. */
function noteInto(report: string[]) {
  return (outcome: EffectRun, line: string) => {
    report.push(outcome === 'already-done' ? `${line} (done earlier)` : line);
  };
}

/**
 * Effects that wait for nothing but the render and that nothing waits for: the press
 * job, the partner message and the lift's schedule. (The release a schedule starts
 * takes the statement lock, which ingest holds until the whole plan is done, so it
 * cannot overtake the partner message.) Next to each other in a plan, they run at once.
 */
const INDEPENDENT: ReadonlySet<Effect['kind']> = new Set(['press', 'partners', 'schedule']);

/** The plan's effects in order, neighbouring independent ones grouped. */
export function stepGroups(effects: readonly Effect[]): Effect[][] {
  const groups: Effect[][] = [];
  for (const effect of effects) {
    const last = groups[groups.length - 1];
    const joins = last?.every((e) => INDEPENDENT.has(e.kind)) && INDEPENDENT.has(effect.kind);
    if (last && joins) last.push(effect);
    else groups.push([effect]);
  }
  return groups;
}

/**
 * Runs a group's effects at once, each reporting into its own lines (joined in plan
 * order). All of them finish, failed or not, before the first failure is thrown, so a
 * retry finds every marker settled. True when one of them released the revision.
 */
async function runTogether(step: PlanStep, group: Effect[]): Promise<boolean> {
  const [only] = group;
  if (group.length === 1 && only) return runStep(step, only);
  const lines = group.map((): string[] => []);
  const results = await Promise.allSettled(
    group.map((effect, i) => {
      const report = lines[i] ?? [];
      return runStep({ ...step, report, note: noteInto(report) }, effect);
    }),
  );
  for (const own of lines) step.report.push(...own);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.some((r) => r.status === 'fulfilled' && r.value);
}

/** Renders and stores the revision once (marker `render`); the bundle, read back if done earlier. */
export async function renderOnce(
  deps: IngestDeps,
  runner: EffectRunner,
  id: string,
  run: PlanRun,
  markerName = 'render',
): Promise<{ bundle: RenderedBundle; outcome: EffectRun }> {
  const { revision } = run.plan;
  let bundle: RenderedBundle | null = null;
  const outcome = await runEffect(runner, revisionMarker(id, revision, markerName), async () => {
    bundle = await renderAndStore(deps, run);
    return { prefix: renderedPrefix(id, revision) };
  });
  const ready: RenderedBundle =
    bundle ?? (await readBundle(deps.s3, deps.settings.bucket, id, revision));
  return { bundle: ready, outcome };
}

export function embargoLines(plan: RevisionPlan): string[] {
  if (plan.status === 'withdraw') return ['Withdrawn: final; any pending release is cancelled'];
  const lines: string[] = [];
  if (plan.liftChange) {
    lines.push(
      plan.liftChange.to
        ? `The lift MOVED: from ${plan.liftChange.from.display} to ${plan.liftChange.to.display}`
        : `The embargo (${plan.liftChange.from.display}) was LIFTED EARLY by this correction`,
    );
  }
  if (plan.embargo) {
    lines.push(
      plan.inheritedFrom !== null
        ? `Embargoed until ${plan.embargo.display} (kept from revision ${plan.inheritedFrom})`
        : `Embargoed until ${plan.embargo.display}`,
    );
  }
  return lines;
}

/** email.json: the email, and (with a sender configured) the email prepared for it. */
export function storedEmail(email: RenderedEmail, sender: IngestSettings['sender']): StoredEmail {
  if (!sender) return email;
  const mime = storedMimeFor(email, { ...sender, from: fromHeader(email.fromName, sender.from) });
  return mime ? { ...email, mime } : email;
}

/** storedEmail, or the email alone if preparing it fails: a head start for send, never a reason to stop. */
function storedEmailOrPlain(deps: IngestDeps, email: RenderedEmail): StoredEmail {
  try {
    return storedEmail(email, deps.settings.sender);
  } catch (err) {
    deps.logger.warn('Could not prepare the email for send; send will prepare it itself', {
      error: err,
    });
    return email;
  }
}

async function renderAndStore(deps: IngestDeps, run: PlanRun): Promise<RenderedBundle> {
  const { statement, plan } = run;
  const { id, revision } = statement;
  const { s3, settings } = deps;
  const now = deps.clock();
  const rendered = await renderStatement(statement, {
    embargo: plan.embargo,
    ...renderOptions(plan, deps.settings.senderDisplayName),
    email: run.email,
  });
  const envelope = buildPartnerMessage(statement, rendered, `statement.${plan.kind}`, now);
  const bundle: RenderedBundle = {
    statement,
    rendered,
    sha256: run.sha256,
    renderedAt: now.toISOString(),
  };
  const key = (file: Parameters<typeof renderedKey>[2]) => renderedKey(id, revision, file);
  // Independent files, written at once; bundle.json only after all of them.
  await Promise.all([
    putJson(s3, settings.bucket, key('email'), storedEmailOrPlain(deps, rendered.email)),
    putObject(
      s3,
      settings.bucket,
      key('html'),
      fillSlots(rendered.email.html, PREVIEW_SLOTS, escapeHtml),
      'text/html; charset=utf-8',
    ),
    putObject(
      s3,
      settings.bucket,
      key('text'),
      fillSlots(rendered.email.text, PREVIEW_SLOTS),
      'text/plain; charset=utf-8',
    ),
    putJson(s3, settings.bucket, key('social'), rendered.social),
    putJson(s3, settings.bucket, key('envelope'), envelope.message),
  ]);
  // Last: release and resumed runs read this one.
  await putJson(s3, settings.bucket, key('bundle'), bundle);
  return bundle;
}

function summaryText(run: PlanRun, report: string[]): string {
  const { statement, upload, plan } = run;
  const lines = [
    `${statement.id} revision ${statement.revision} (${plan.kind}): ${statement.headline}`,
    `From: ${upload.key}`,
    ...(run.audit ?? []),
    ...(run.resumed
      ? ['(Finished after an interrupted attempt; steps marked "done earlier" were not repeated.)']
      : []),
    '',
    ...report,
  ];
  if (run.warnings.length > 0) lines.push('', 'Warnings:', formatIssueLines(run.warnings));
  return lines.join('\n');
}
