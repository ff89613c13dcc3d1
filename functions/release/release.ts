/**
 * Making a revision public: the public files under `published/`, statement.released
 * to partners, and the website message. Shared by `release` (a schedule firing at
 * the lift, or the sweep) and `ingest` (a revision with no embargo in force).
 *
 * Always under the statement lock and after core/lifecycle's `decideRelease`, so a
 * withdrawal or a newer revision either lands before the release (which then does
 * nothing) or after it (and takes back what it made public): never in between.
 * Each step is a ledger marker, so a retry resumes where an attempt stopped.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  latestKey,
  type PublishedLatest,
  publishedKey,
  publishedPrefix,
} from '../../core/bucket-layout';
import { buildPartnerMessage } from '../../core/envelope';
import { decideRelease, type ReleaseDecision, type ReleaseSkipReason } from '../../core/lifecycle';
import { EmbargoNotLiftedError } from '../shared/errors';
import { lockOptions } from '../shared/invocation';
import { clearDue } from '../shared/ledger/due';
import {
  type EffectRunner,
  type EffectSpec,
  revisionMarker,
  runEffect,
} from '../shared/ledger/effects';
import {
  getHead,
  recordReleased,
  recordReleaseStart,
  type StatementLock,
  withStatementLock,
} from '../shared/ledger/statements';
import type { Logger } from '../shared/logger';
import { opsSubject, type ReleaseRequest, type WebsiteRelease } from '../shared/messages';
import type { Publisher } from '../shared/ports';
import { type RenderedBundle, readBundle } from '../shared/rendered';
import { putJson, putObject } from '../shared/storage';

export interface ReleaseSettings {
  bucket: string;
  tableName: string;
  /** Claim lease when there is no Lambda context (local stack). @default 120 s */
  effectLeaseMs?: number;
  /**
   * A schedule that fires this close before the lift waits for it in process;
   * further out it fails so Lambda's retry brings it back (and the sweep after that).
   * @default 60 s
   */
  maxEarlyWaitMs?: number;
  /** How long the sweep leaves an owed release to its schedule before making it itself. @default 2 minutes */
  sweepGraceMs?: number;
}

export interface ReleaseDeps {
  s3: S3Client;
  ddb: DynamoDBDocumentClient;
  publisher: Publisher;
  logger: Logger;
  clock: () => Date;
  settings: ReleaseSettings;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

export interface ReleaseOutcome {
  id: string;
  revision: number;
  outcome: 'released' | 'skipped';
  reason: ReleaseSkipReason | null;
  /** Whether the website was told (false when its channel is off, or skipped). */
  website: boolean;
  partners: boolean;
  /** `published/<id>/<rev>/` when the website's copy was written. */
  publishedPrefix: string | null;
}

/** Who asked: the schedule at the lift, the sweep (late), or ingest (no embargo in force). */
export type ReleaseTrigger = 'schedule' | 'sweep' | 'ingest';

/** How early a schedule may fire and still wait in process (its Lambda timeout must cover this). */
export const DEFAULT_MAX_EARLY_WAIT_MS = 60_000;

/** Skips after which the release is no longer owed (the sweep forgets it). */
const FINAL_SKIPS: ReadonlySet<ReleaseSkipReason> = new Set([
  'unknown-statement',
  'withdrawn',
  'superseded',
  'already-released',
]);

/** Releases `request.revision` if the lifecycle says so; waits for a lift a few seconds away. */
export async function releaseRevision(
  deps: ReleaseDeps,
  runner: EffectRunner,
  request: ReleaseRequest,
  trigger: ReleaseTrigger,
): Promise<ReleaseOutcome> {
  const { id, revision } = request;
  // A look without the lock first, so a slightly early schedule waits without blocking anyone.
  const peek = decideRelease(await getHead(runner.ledger, id), revision, deps.clock());
  if (peek.action === 'wait') await waitForLift(deps, request, peek.until);

  return withStatementLock(runner.ledger, id, lockOptions(runner), async (lock) => {
    const decision = decideRelease(lock.head, revision, deps.clock());
    if (decision.action === 'wait') throw new EmbargoNotLiftedError(id, revision, decision.until);
    if (decision.action === 'skip') return skip(deps, runner, lock, revision, decision, trigger);
    return releaseLocked(deps, runner, lock, revision, decision, trigger);
  });
}

/** Carries out a release the lifecycle decided, holding the statement lock. */
export async function releaseLocked(
  deps: ReleaseDeps,
  runner: EffectRunner,
  lock: StatementLock,
  revision: number,
  channels: { partners: boolean; website: boolean },
  trigger: ReleaseTrigger,
): Promise<ReleaseOutcome> {
  const { id } = lock;
  const bundle = await readBundle(deps.s3, deps.settings.bucket, id, revision);
  const release: Release = {
    id,
    revision,
    ...bundle,
    channels,
    releasedAt: deps.clock(),
    prefix: publishedPrefix(id, revision),
    marker: markerFor(id, revision),
  };

  await recordReleaseStart(runner.ledger, lock, { revision, website: channels.website });
  // Public files first: the website reads them when it gets the message.
  if (channels.website) await writePublicFiles(deps, runner, release);
  if (channels.partners) await tellPartners(deps, runner, release);
  if (channels.website) await tellWebsite(deps, runner, release);

  const reached = lock.head?.reached ?? { pressTopics: null, partners: false, website: false };
  await recordReleased(runner.ledger, lock, {
    revision,
    reached: { ...reached, website: reached.website || channels.website },
    now: release.releasedAt,
  });
  await clearDue(runner.ledger, id, revision);
  if (trigger !== 'ingest') await tellOps(deps, runner, release, trigger === 'sweep');

  return {
    id,
    revision,
    outcome: 'released',
    reason: null,
    website: channels.website,
    partners: channels.partners,
    publishedPrefix: channels.website ? release.prefix : null,
  };
}

/** One release in progress: the revision's bundle, when, where its public files go. */
interface Release extends RenderedBundle {
  id: string;
  revision: number;
  channels: { partners: boolean; website: boolean };
  releasedAt: Date;
  prefix: string;
  marker: (name: string) => EffectSpec;
}

async function writePublicFiles(deps: ReleaseDeps, runner: EffectRunner, release: Release) {
  const { s3, settings } = deps;
  const { id, revision, statement, rendered, releasedAt, prefix } = release;
  await runEffect(runner, release.marker('release-files'), async () => {
    const envelope = buildPartnerMessage(statement, rendered, 'statement.released', releasedAt);
    await putObject(
      s3,
      settings.bucket,
      publishedKey(id, revision, 'text'),
      rendered.plainText,
      'text/plain; charset=utf-8',
    );
    await putJson(s3, settings.bucket, publishedKey(id, revision, 'statement'), statement);
    await putJson(s3, settings.bucket, publishedKey(id, revision, 'social'), rendered.social);
    await putJson(s3, settings.bucket, publishedKey(id, revision, 'envelope'), envelope.message);
    const latest: PublishedLatest = {
      status: 'released',
      id,
      revision,
      headline: statement.headline,
      publishedPrefix: prefix,
      releasedAt: releasedAt.toISOString(),
    };
    await putJson(s3, settings.bucket, latestKey(id), latest);
    return { prefix };
  });
}

async function tellPartners(deps: ReleaseDeps, runner: EffectRunner, release: Release) {
  const { statement, rendered, releasedAt } = release;
  await runEffect(runner, release.marker('release-partners'), async () => {
    const message = buildPartnerMessage(statement, rendered, 'statement.released', releasedAt);
    const { messageId } = await deps.publisher.publish({
      topic: 'partners',
      body: message.body,
      attributes: message.attributes,
    });
    return { messageId };
  });
}

async function tellWebsite(deps: ReleaseDeps, runner: EffectRunner, release: Release) {
  const message: WebsiteRelease = {
    type: 'statement.released',
    id: release.id,
    revision: release.revision,
    headline: release.statement.headline,
    publishedPrefix: release.prefix,
    releasedAt: release.releasedAt.toISOString(),
  };
  await runEffect(runner, release.marker('release-website'), async () => {
    const { messageId } = await deps.publisher.publish({
      topic: 'website',
      body: JSON.stringify(message),
    });
    return { messageId };
  });
}

async function tellOps(deps: ReleaseDeps, runner: EffectRunner, release: Release, late: boolean) {
  const { id, revision, statement, channels, prefix } = release;
  await runEffect(runner, release.marker('release-ops'), async () => {
    await deps.publisher.publish({
      topic: 'ops',
      subject: opsSubject(`Herald: released ${id} r${revision}${late ? ' (late)' : ''}`),
      body: [
        late
          ? `${id} revision ${revision} ("${statement.headline}") was released late by the overdue-release sweep: its embargo had lifted but its schedule never released it (the schedule was lost, or its retries ran out). Check the release function's errors and dead-letter queue.`
          : `The embargo on ${id} revision ${revision} ("${statement.headline}") has lifted.`,
        channels.website
          ? `Public files: s3://${deps.settings.bucket}/${prefix}`
          : 'Public files: none (the website channel is off for this statement)',
        `Partners (statement.released): ${channels.partners ? 'sent' : 'off for this statement'}`,
        `Website rebuild: ${channels.website ? 'requested' : 'off for this statement'}`,
      ].join('\n'),
    });
    return undefined;
  });
}

async function skip(
  deps: ReleaseDeps,
  runner: EffectRunner,
  lock: StatementLock,
  revision: number,
  decision: Extract<ReleaseDecision, { action: 'skip' }>,
  trigger: ReleaseTrigger,
): Promise<ReleaseOutcome> {
  const { id } = lock;
  const latest = lock.head?.current?.revision ?? null;
  deps.logger.info('Release not needed', { revision, reason: decision.reason, latest });
  if (FINAL_SKIPS.has(decision.reason)) await clearDue(runner.ledger, id, revision);
  if (decision.reason === 'withdrawn' && trigger === 'schedule') {
    await runEffect(runner, markerFor(id, revision)('release-skipped'), async () => {
      await deps.publisher.publish({
        topic: 'ops',
        subject: opsSubject(`Herald: release of ${id} r${revision} skipped (withdrawn)`),
        body: `The embargo on ${id} revision ${revision} lifted, but the statement was withdrawn (revision ${latest}), so nothing was released: no website rebuild and no statement.released to partners.`,
      });
      return undefined;
    });
  }
  return {
    id,
    revision,
    outcome: 'skipped',
    reason: decision.reason,
    website: false,
    partners: false,
    publishedPrefix: null,
  };
}

/**
 * "Never before the embargo lifts": the scheduler fires to the minute, so a slightly early
 * firing waits here; one further out fails, and Lambda's retry (or the sweep) comes back.
 */
async function waitForLift(deps: ReleaseDeps, request: ReleaseRequest, until: string) {
  const early = Date.parse(until) - deps.clock().getTime();
  if (early > (deps.settings.maxEarlyWaitMs ?? DEFAULT_MAX_EARLY_WAIT_MS)) {
    throw new EmbargoNotLiftedError(request.id, request.revision, until);
  }
  deps.logger.info('Release fired before the lift; waiting', { waitMs: early });
  await (deps.sleep ?? defaultSleep)(early);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function markerFor(id: string, revision: number) {
  return (name: string) => revisionMarker(id, revision, name);
}
