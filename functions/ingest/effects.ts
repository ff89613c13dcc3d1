/**
 * Carries out a revision's plan (core/lifecycle decided it; accept.ts holds the
 * statement lock): render and store once, then each effect in the plan's order,
 * each behind its ledger marker (`fx#<rev>#<name>`), so a retried or
 * redelivered event resumes where the last attempt stopped and repeats nothing
 * that finished. Ends with one summary to ops.
 */
import { createHash } from 'node:crypto';
import {
  latestKey,
  type PublishedLatest,
  renderedKey,
  renderedPrefix,
} from '../../core/bucket-layout';
import { buildPartnerMessage } from '../../core/envelope';
import { formatIssueLines } from '../../core/errors';
import type { Effect, RevisionPlan } from '../../core/lifecycle';
import { renderStatement } from '../../core/render';
import { escapeHtml } from '../../core/render/email';
import { fillSlots, type SlotValues } from '../../core/render/slots';
import type { Statement } from '../../core/statement/schema';
import type { Issue, LiftMoved, RenderedEmail, SenderDisplayName } from '../../core/types';
import { releaseLocked } from '../release/release';
import { statementPk } from '../shared/ledger/client';
import { clearDue } from '../shared/ledger/due';
import {
  type EffectRun,
  type EffectRunner,
  queryEffects,
  revisionMarker,
  runEffect,
} from '../shared/ledger/effects';
import type { StatementLock } from '../shared/ledger/statements';
import {
  opsSubject,
  type PressJob,
  type ReleaseRequest,
  type WebsiteWithdrawal,
} from '../shared/messages';
import { type RenderedBundle, readBundle } from '../shared/rendered';
import { putJson, putObject } from '../shared/storage';
import type { IngestDeps, Upload } from './types';

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

/**
 * Deterministic per statement revision, so a withdrawal or correction can
 * delete it without looking it up: `[0-9a-zA-Z-_.]`, ≤ 64 characters. The hash
 * keeps names unique when a long id is cut to 40 characters.
 */
export function scheduleName(id: string, revision: number, prefix = 'herald'): string {
  const safePrefix = prefix.replace(/[^0-9a-zA-Z_.-]/g, '').slice(0, 10) || 'herald';
  const hash = createHash('sha256').update(`${id}#${revision}`).digest('hex').slice(0, 6);
  return `${safePrefix}-${id.slice(0, 40)}-r${revision}-${hash}`;
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

/** What the preview email.html / email.txt show in the per-recipient slots. */
const PREVIEW_SLOTS: SlotValues = {
  greeting: 'Dear Jane Smith,',
  unsubscribeUrl: 'https://unsubscribe.example.invalid/preview',
};

export async function runPlan(
  deps: IngestDeps,
  runner: EffectRunner,
  lock: StatementLock,
  run: PlanRun,
): Promise<PlanResult> {
  const { plan, statement } = run;
  const { id } = lock;
  const { revision } = plan;
  const marker = (name: string) => revisionMarker(id, revision, name);
  const report: string[] = [];
  const note = (outcome: EffectRun, line: string) =>
    report.push(outcome === 'already-done' ? `${line} (done earlier)` : line);

  const { bundle: ready, outcome: rendered } = await renderOnce(deps, runner, id, run);
  note(rendered, `Rendered: s3://${deps.settings.bucket}/${renderedPrefix(id, revision)}`);
  report.push(...embargoLines(plan));

  let released = false;
  for (const effect of plan.effects) {
    released = (await runOne(effect)) || released;
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

  async function runOne(effect: Effect): Promise<boolean> {
    switch (effect.kind) {
      case 'unschedule': {
        const outcome = await runEffect(runner, marker('unschedule'), async () => {
          const earlier = (await queryEffects(runner.ledger, statementPk(id))).filter(
            (e) => e.effect === 'schedule' && e.revision !== undefined && e.revision < effect.below,
          );
          for (const e of earlier) {
            await deps.scheduler.delete(
              scheduleName(id, e.revision ?? 0, deps.settings.scheduleNamePrefix),
            );
          }
          return { cancelled: earlier.length };
        });
        note(outcome, 'Earlier revisions: pending releases cancelled');
        return false;
      }
      case 'press': {
        const job: PressJob = {
          id,
          revision,
          type: effect.type,
          emailKey: renderedKey(id, revision, 'email'),
          topics: effect.topics,
          holders: effect.holders,
        };
        const outcome = await runEffect(runner, marker('press'), async () => {
          const { messageId } = await deps.publisher.publish({
            topic: 'press',
            body: JSON.stringify(job),
          });
          return { messageId };
        });
        note(outcome, `Press email (${effect.type}): queued for ${pressAudience(effect)}`);
        return false;
      }
      case 'partners': {
        const outcome = await runEffect(runner, marker('partners'), async () => {
          const message = buildPartnerMessage(
            ready.statement,
            ready.rendered,
            effect.type,
            deps.clock(),
          );
          const { messageId } = await deps.publisher.publish({
            topic: 'partners',
            body: message.body,
            attributes: message.attributes,
          });
          return { messageId };
        });
        note(outcome, `Partners: ${effect.type} sent`);
        return false;
      }
      case 'schedule': {
        const name = scheduleName(id, revision, deps.settings.scheduleNamePrefix);
        const request: ReleaseRequest = { id, revision };
        const outcome = await runEffect(runner, marker('schedule'), async () => {
          await deps.scheduler.create({ name, at: effect.at, payload: JSON.stringify(request) });
          return { scheduleName: name, at: effect.at };
        });
        note(outcome, `Release scheduled for the lift (${name})`);
        return false;
      }
      case 'release': {
        const outcome = await releaseLocked(deps, runner, lock, revision, effect, 'ingest');
        report.push(
          `No embargo in force: released at once (partners statement.released: ${outcome.partners ? 'sent' : 'off'}; website: ${outcome.website ? 'rebuild requested' : 'off'})`,
        );
        return true;
      }
      case 'unpublish': {
        const withdrawnAt = deps.clock().toISOString();
        const files = await runEffect(runner, marker('unpublish-files'), async () => {
          const latest: PublishedLatest = {
            status: 'withdrawn',
            id,
            revision,
            reference: statement.reference ?? null,
            withdrawalReason: statement.withdrawalReason ?? '',
            withdrawnAt,
          };
          await putJson(deps.s3, deps.settings.bucket, latestKey(id), latest);
          return { key: latestKey(id) };
        });
        note(files, `Website copy: ${latestKey(id)} marked withdrawn`);
        const message: WebsiteWithdrawal = {
          type: 'statement.withdrawn',
          id,
          revision,
          reference: statement.reference ?? null,
          withdrawalReason: statement.withdrawalReason ?? '',
          withdrawnAt,
        };
        const hook = await runEffect(runner, marker('unpublish-website'), async () => {
          const { messageId } = await deps.publisher.publish({
            topic: 'website',
            body: JSON.stringify(message),
          });
          return { messageId };
        });
        note(hook, 'Website: told to take the statement down (statement.withdrawn)');
        await clearDue(runner.ledger, id, revision);
        return false;
      }
      case 'proofs':
        return false;
    }
  }
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

function pressAudience(effect: Extract<Effect, { kind: 'press' }>): string {
  const list =
    effect.topics === null
      ? null
      : effect.topics.length === 0
        ? 'the whole press list'
        : `journalists following ${effect.topics.join(', ')}`;
  if (!effect.holders) return list ?? 'nobody';
  return list
    ? `${list}, and everyone sent an earlier revision`
    : 'everyone sent an earlier revision';
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
  await putJson(s3, settings.bucket, key('email'), rendered.email);
  await putObject(
    s3,
    settings.bucket,
    key('html'),
    fillSlots(rendered.email.html, PREVIEW_SLOTS, escapeHtml),
    'text/html; charset=utf-8',
  );
  await putObject(
    s3,
    settings.bucket,
    key('text'),
    fillSlots(rendered.email.text, PREVIEW_SLOTS),
    'text/plain; charset=utf-8',
  );
  await putJson(s3, settings.bucket, key('social'), rendered.social);
  await putJson(s3, settings.bucket, key('envelope'), envelope.message);
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
