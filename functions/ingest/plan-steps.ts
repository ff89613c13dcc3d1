/**
 * The steps of a revision's plan (core/lifecycle's effects), each behind its
 * marker so a retry does only what is not done: cancel earlier schedules, the
 * press job, the partner message, the lift's schedule, a release at once, and
 * a withdrawal's unpublishing.
 */
import { createHash } from 'node:crypto';
import { latestKey, type PublishedLatest, renderedKey } from '../../core/bucket-layout';
import { buildPartnerMessage } from '../../core/envelope';
import type { Effect } from '../../core/lifecycle';
import { releaseLocked } from '../release/release';
import { statementPk } from '../shared/ledger/client';
import { clearDue } from '../shared/ledger/due';
import {
  type EffectRun,
  type EffectRunner,
  type EffectSpec,
  queryEffects,
  runEffect,
} from '../shared/ledger/effects';
import type { StatementLock } from '../shared/ledger/statements';
import type { PressJob, ReleaseRequest, WebsiteWithdrawal } from '../shared/messages';
import type { RenderedBundle } from '../shared/rendered';
import { putJson } from '../shared/storage';
import type { PlanRun } from './effects';
import type { IngestDeps } from './types';

/** What every step works with; `note` adds the step's line to the ops summary. */
export interface PlanStep {
  deps: IngestDeps;
  runner: EffectRunner;
  lock: StatementLock;
  run: PlanRun;
  /** The rendered revision. */
  ready: RenderedBundle;
  marker(name: string): EffectSpec;
  note(outcome: EffectRun, line: string): void;
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

/** Carries out one effect; true when it released the revision. */
export async function runStep(step: PlanStep, effect: Effect): Promise<boolean> {
  switch (effect.kind) {
    case 'unschedule':
      await unschedule(step, effect.below);
      return false;
    case 'press':
      await queuePress(step, effect);
      return false;
    case 'partners':
      await tellPartners(step, effect.type);
      return false;
    case 'schedule':
      await scheduleRelease(step, effect.at);
      return false;
    case 'release': {
      const { deps, runner, lock, run } = step;
      const outcome = await releaseLocked(deps, runner, lock, run.plan.revision, effect, 'ingest');
      step.report.push(
        `No embargo in force: released at once (partners statement.released: ${outcome.partners ? 'sent' : 'off'}; website: ${outcome.website ? 'rebuild requested' : 'off'})`,
      );
      return true;
    }
    case 'unpublish':
      await unpublish(step);
      return false;
    case 'proofs':
      return false;
  }
}

async function unschedule({ deps, runner, lock, marker, note }: PlanStep, below: number) {
  const { id } = lock;
  const outcome = await runEffect(runner, marker('unschedule'), async () => {
    const earlier = (await queryEffects(runner.ledger, statementPk(id))).filter(
      (e) => e.effect === 'schedule' && e.revision !== undefined && e.revision < below,
    );
    for (const e of earlier) {
      await deps.scheduler.delete(
        scheduleName(id, e.revision ?? 0, deps.settings.scheduleNamePrefix),
      );
    }
    return { cancelled: earlier.length };
  });
  note(outcome, 'Earlier revisions: pending releases cancelled');
}

async function queuePress(step: PlanStep, effect: Extract<Effect, { kind: 'press' }>) {
  const { id } = step.lock;
  const { revision } = step.run.plan;
  const job: PressJob = {
    id,
    revision,
    type: effect.type,
    emailKey: renderedKey(id, revision, 'email'),
    topics: effect.topics,
    holders: effect.holders,
  };
  const outcome = await runEffect(step.runner, step.marker('press'), async () => {
    const { messageId } = await step.deps.publisher.publish({
      topic: 'press',
      body: JSON.stringify(job),
    });
    return { messageId };
  });
  step.note(outcome, `Press email (${effect.type}): queued for ${pressAudience(effect)}`);
}

async function tellPartners(
  { deps, runner, ready, marker, note }: PlanStep,
  type: Extract<Effect, { kind: 'partners' }>['type'],
) {
  const outcome = await runEffect(runner, marker('partners'), async () => {
    const message = buildPartnerMessage(ready.statement, ready.rendered, type, deps.clock());
    const { messageId } = await deps.publisher.publish({
      topic: 'partners',
      body: message.body,
      attributes: message.attributes,
    });
    return { messageId };
  });
  note(outcome, `Partners: ${type} sent`);
}

async function scheduleRelease({ deps, runner, lock, run, marker, note }: PlanStep, at: string) {
  const { id } = lock;
  const { revision } = run.plan;
  const name = scheduleName(id, revision, deps.settings.scheduleNamePrefix);
  const request: ReleaseRequest = { id, revision };
  const outcome = await runEffect(runner, marker('schedule'), async () => {
    await deps.scheduler.create({ name, at, payload: JSON.stringify(request) });
    return { scheduleName: name, at };
  });
  note(outcome, `Release scheduled for the lift (${name})`);
}

async function unpublish({ deps, runner, lock, run, marker, note }: PlanStep) {
  const { id } = lock;
  const { revision } = run.plan;
  const { statement } = run;
  // What the website copy and the website are both told.
  const withdrawal = {
    id,
    revision,
    reference: statement.reference ?? null,
    withdrawalReason: statement.withdrawalReason ?? '',
    withdrawnAt: deps.clock().toISOString(),
  };
  const files = await runEffect(runner, marker('unpublish-files'), async () => {
    const latest: PublishedLatest = { status: 'withdrawn', ...withdrawal };
    await putJson(deps.s3, deps.settings.bucket, latestKey(id), latest);
    return { key: latestKey(id) };
  });
  note(files, `Website copy: ${latestKey(id)} marked withdrawn`);
  const message: WebsiteWithdrawal = { type: 'statement.withdrawn', ...withdrawal };
  const hook = await runEffect(runner, marker('unpublish-website'), async () => {
    const { messageId } = await deps.publisher.publish({
      topic: 'website',
      body: JSON.stringify(message),
    });
    return { messageId };
  });
  note(hook, 'Website: told to take the statement down (statement.withdrawn)');
  await clearDue(runner.ledger, id, revision);
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
