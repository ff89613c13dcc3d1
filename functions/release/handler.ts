/**
 * `release`: makes a statement revision public when its embargo lifts. Called
 * by the EventBridge Scheduler one-time schedule, and in process by ingest for
 * statements with no embargo in force (`releaseRevision`).
 *
 * It re-reads the statement head first, so a withdrawal or a newer revision
 * that landed after the schedule was made wins (DESIGN: "release re-checks
 * status"). Each step is a ledger side-effect marker, so a retry resumes.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildPartnerMessage } from '../../core/envelope';
import { EmbargoNotLiftedError } from '../shared/errors';
import { effectRunner, type InvocationContext } from '../shared/invocation';
import { effectSk, statementPk } from '../shared/ledger/client';
import { type EffectRunner, runEffect } from '../shared/ledger/effects';
import { getHead, markReleased } from '../shared/ledger/statements';
import { type Logger, withStatementId } from '../shared/logger';
import {
  opsSubject,
  publishedPrefix,
  type ReleaseRequest,
  type WebsiteRelease,
} from '../shared/messages';
import type { Publisher } from '../shared/ports';
import { readBundle } from '../shared/rendered';
import { putJson, putObject } from '../shared/storage';

export interface ReleaseSettings {
  bucket: string;
  tableName: string;
  /** Claim lease when there is no Lambda context (local stack). @default 120 s */
  effectLeaseMs?: number;
  /**
   * A schedule that fires this close before the lift waits for it in process;
   * further out it fails so the scheduler retries. @default 60 s
   */
  maxEarlyWaitMs?: number;
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

export type ReleaseSkipReason =
  | 'withdrawn'
  | 'superseded'
  | 'already-released'
  | 'unknown-statement';

export interface ReleaseOutcome {
  id: string;
  revision: number;
  outcome: 'released' | 'skipped';
  reason: ReleaseSkipReason | null;
  /** Whether the website was told (false when channels.website is false or skipped). */
  website: boolean;
  partners: boolean;
  /** `published/<id>/<rev>/` when released. */
  publishedPrefix: string | null;
}

/** Who asked: a schedule firing tells ops; ingest reports the release in its own summary. */
export type ReleaseTrigger = 'schedule' | 'ingest';

export function createReleaseHandler(
  deps: ReleaseDeps,
): (request: ReleaseRequest, context?: InvocationContext) => Promise<ReleaseOutcome> {
  return (request, context) =>
    withStatementId(deps.logger, request.id, async () => {
      const runner = effectRunner({
        ddb: deps.ddb,
        tableName: deps.settings.tableName,
        clock: deps.clock,
        logger: deps.logger,
        context,
        defaultLeaseMs: deps.settings.effectLeaseMs,
      });
      const outcome = await releaseRevision(deps, runner, request, 'schedule');
      deps.logger.info('Release finished', { ...outcome });
      return outcome;
    });
}

/** How early a schedule may fire and still wait in process (its Lambda timeout must cover this). */
export const DEFAULT_MAX_EARLY_WAIT_MS = 60_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The release itself, shared with ingest. Idempotent: every step is marker-guarded. */
export async function releaseRevision(
  deps: ReleaseDeps,
  runner: EffectRunner,
  request: ReleaseRequest,
  trigger: ReleaseTrigger,
): Promise<ReleaseOutcome> {
  const { id, revision } = request;
  const { s3, publisher, logger, settings } = deps;
  const skipped = (reason: ReleaseSkipReason): ReleaseOutcome => ({
    id,
    revision,
    outcome: 'skipped',
    reason,
    website: false,
    partners: false,
    publishedPrefix: null,
  });
  const pk = statementPk(id);
  const marker = (name: string) => ({ pk, sk: effectSk(revision, name), effect: name, revision });

  /** The head if this revision may go public now; otherwise why not (telling ops of a withdrawal). */
  async function gate(
    head: Awaited<ReturnType<typeof getHead>>,
  ): Promise<{ head: NonNullable<typeof head> } | ReleaseOutcome> {
    if (!head) {
      logger.error('Release requested for a statement the ledger does not know', { revision });
      return skipped('unknown-statement');
    }
    if (head.status === 'withdraw') {
      logger.warn('Statement was withdrawn; not releasing', {
        revision,
        latestRevision: head.latestRevision,
      });
      if (trigger === 'schedule') {
        await runEffect(runner, marker('release-skipped'), async () => {
          await publisher.publish({
            topic: 'ops',
            subject: opsSubject(`Herald: release of ${id} r${revision} skipped (withdrawn)`),
            body: `The embargo on ${id} revision ${revision} lifted, but the statement was withdrawn (revision ${head.latestRevision}), so nothing was released: no website rebuild and no statement.released to partners.`,
          });
          return undefined;
        });
      }
      return skipped('withdrawn');
    }
    if (head.latestRevision > revision) {
      logger.info('A newer revision exists and has its own release; skipping', {
        revision,
        latestRevision: head.latestRevision,
      });
      return skipped('superseded');
    }
    if (head.releasedRevision !== undefined && head.releasedRevision >= revision) {
      logger.info('Revision already released; skipping', { revision });
      return skipped('already-released');
    }
    return { head };
  }

  // Checked again after any wait for the lift: a withdrawal may land while we wait.
  const first = await gate(await getHead(runner.ledger, id));
  if (!('head' in first)) return first;
  if (await waitForLift(deps, id, revision, first.head.embargoUntil)) {
    const again = await gate(await getHead(runner.ledger, id));
    if (!('head' in again)) return again;
  }

  const { statement, rendered } = await readBundle(s3, settings.bucket, id, revision);
  const releasedAt = deps.clock();
  const partnerMessage = buildPartnerMessage(statement, rendered, 'statement.released', releasedAt);
  const prefix = publishedPrefix(id, revision);
  const channels = {
    partners: statement.channels?.partners ?? true,
    website: statement.channels?.website ?? true,
  };

  // Public files first: the website reads them when it gets the message.
  await runEffect(runner, marker('release-files'), async () => {
    await putObject(
      s3,
      settings.bucket,
      `${prefix}statement.txt`,
      rendered.plainText,
      'text/plain; charset=utf-8',
    );
    await putJson(s3, settings.bucket, `${prefix}statement.json`, statement);
    await putJson(s3, settings.bucket, `${prefix}social.json`, rendered.social);
    await putJson(s3, settings.bucket, `${prefix}envelope.json`, partnerMessage.message);
    await putJson(s3, settings.bucket, `published/${id}/latest.json`, {
      id,
      revision,
      headline: statement.headline,
      publishedPrefix: prefix,
      releasedAt: releasedAt.toISOString(),
    });
    return { prefix };
  });

  if (channels.partners) {
    await runEffect(runner, marker('release-partners'), async () => {
      const { messageId } = await publisher.publish({
        topic: 'partners',
        body: partnerMessage.body,
        attributes: partnerMessage.attributes,
      });
      return { messageId };
    });
  }

  if (channels.website) {
    const message: WebsiteRelease = {
      type: 'statement.released',
      id,
      revision,
      headline: statement.headline,
      publishedPrefix: prefix,
      releasedAt: releasedAt.toISOString(),
    };
    await runEffect(runner, marker('release-website'), async () => {
      const { messageId } = await publisher.publish({
        topic: 'website',
        body: JSON.stringify(message),
      });
      return { messageId };
    });
  }

  if (!(await markReleased(runner.ledger, id, revision, releasedAt))) {
    // A withdrawal or newer revision landed while we published (ledger/client.ts, window 4).
    logger.warn(
      'The head moved while releasing; the release went out but is not recorded as current',
      {
        revision,
      },
    );
  }

  if (trigger === 'schedule') {
    await runEffect(runner, marker('release-ops'), async () => {
      await publisher.publish({
        topic: 'ops',
        subject: opsSubject(`Herald: released ${id} r${revision}`),
        body: [
          `The embargo on ${id} revision ${revision} ("${statement.headline}") has lifted.`,
          `Public files: s3://${settings.bucket}/${prefix}`,
          `Partners (statement.released): ${channels.partners ? 'sent' : 'off for this statement'}`,
          `Website rebuild: ${channels.website ? 'requested' : 'off for this statement'}`,
        ].join('\n'),
      });
      return undefined;
    });
  }

  return {
    id,
    revision,
    outcome: 'released',
    reason: null,
    website: channels.website,
    partners: channels.partners,
    publishedPrefix: prefix,
  };
}

/**
 * "Never before the embargo lifts": the scheduler's precision is a minute, so
 * a slightly early firing waits here; an early firing further out fails and
 * the scheduler's retry policy brings it back.
 */
async function waitForLift(
  deps: ReleaseDeps,
  id: string,
  revision: number,
  embargoUntil: string | null,
): Promise<boolean> {
  if (embargoUntil === null) return false;
  const early = Date.parse(embargoUntil) - deps.clock().getTime();
  if (early <= 0) return false;
  if (early > (deps.settings.maxEarlyWaitMs ?? DEFAULT_MAX_EARLY_WAIT_MS)) {
    throw new EmbargoNotLiftedError(id, revision, embargoUntil);
  }
  deps.logger.info('Release fired before the lift; waiting', { waitMs: early });
  await (deps.sleep ?? defaultSleep)(early);
  return true;
}
