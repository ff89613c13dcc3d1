/**
 * website-hook: one signed POST to the website's build hook per release
 * (website topic → website queue, raw delivery → here).
 *
 * Each release is guarded by the marker `fx#<rev>#website-hook`: claim
 * `pending` → POST → `done`; a redelivery that finds `done` does nothing.
 * At-least-once window: if the POST succeeds but the `done` write fails (or the
 * function dies in between), the marker's lease runs out and a retry POSTs
 * again. Receivers drop the copy with `X-Herald-Delivery: <id>#<revision>`.
 * A non-2xx answer or a network error fails the record, so SQS retries it and
 * finally dead-letters it (with an alarm). The statement head is read just
 * before the POST: if the statement has been withdrawn meanwhile, nothing is sent.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { HeraldError } from '../../core/errors';
import {
  signWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '../../core/security/webhook-signature';
import { effectSk, type Ledger, statementPk } from '../shared/ledger/client';
import { runEffect } from '../shared/ledger/effects';
import { getHead } from '../shared/ledger/statements';
import type { Logger } from '../shared/logger';
import { parseWebsiteRelease, type WebsiteRelease } from '../shared/messages';
import type { SecretSource } from '../shared/secrets';

export const WEBHOOK_DELIVERY_HEADER = 'X-Herald-Delivery';

export interface WebsiteHookSettings {
  tableName: string;
  /** Absent: no website hook configured; releases are logged and acknowledged. */
  hookUrl?: string;
  /** @default 10 seconds */
  timeoutMs?: number;
}

export interface WebsiteHookDeps {
  ddb: DynamoDBDocumentClient;
  fetch: typeof globalThis.fetch;
  logger: Logger;
  clock: () => Date;
  webhookSecret: SecretSource;
  settings: WebsiteHookSettings;
}

/** The website answered with a non-2xx status. */
export class WebhookDeliveryError extends HeraldError {
  override name = 'WebhookDeliveryError';
  constructor(
    readonly status: number,
    readonly delivery: string,
  ) {
    super(`The website hook answered ${status} for ${delivery}`);
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The exact JSON we sign and send; fields in a fixed order so the bytes are predictable. */
export function webhookBody(release: WebsiteRelease): string {
  return JSON.stringify({
    type: release.type,
    id: release.id,
    revision: release.revision,
    headline: release.headline,
    publishedPrefix: release.publishedPrefix,
    releasedAt: release.releasedAt,
  });
}

export function createWebsiteHookHandler(deps: WebsiteHookDeps) {
  const { logger, clock, settings } = deps;
  const ledger: Ledger = { ddb: deps.ddb, tableName: settings.tableName };
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function post(release: WebsiteRelease, hookUrl: string): Promise<{ status: number }> {
    const body = webhookBody(release);
    const secret = await deps.webhookSecret.get();
    const signed = signWebhook(body, secret, Math.floor(clock().getTime() / 1000));
    const delivery = `${release.id}#${release.revision}`;
    const response = await deps.fetch(hookUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        [WEBHOOK_TIMESTAMP_HEADER]: signed.timestamp,
        [WEBHOOK_SIGNATURE_HEADER]: signed.signature,
        [WEBHOOK_DELIVERY_HEADER]: delivery,
        'User-Agent': 'Herald website hook',
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    // Free the connection; the body is not used.
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) throw new WebhookDeliveryError(response.status, delivery);
    return { status: response.status };
  }

  return async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    const batchItemFailures: SQSBatchItemFailure[] = [];
    for (const record of event.Records) {
      let release: WebsiteRelease | null = null;
      try {
        release = parseWebsiteRelease(record.body);
        const hookUrl = settings.hookUrl;
        if (!hookUrl) {
          logger.info('no website hook configured; release acknowledged', {
            statementId: release.id,
            revision: release.revision,
          });
          continue;
        }
        // The claim must outlive the POST, or a redelivery could POST alongside it.
        const leaseMs = Math.max(context?.getRemainingTimeInMillis() ?? 0, 2 * timeoutMs + 5_000);
        const current = release;
        let status = 0;
        let withdrawn = false;
        const outcome = await runEffect(
          { ledger, clock, leaseUntil: () => new Date(clock().getTime() + leaseMs), logger },
          {
            pk: statementPk(current.id),
            sk: effectSk(current.revision, 'website-hook'),
            effect: 'website-hook',
            revision: current.revision,
          },
          async () => {
            // A withdrawal that landed after the release was queued (or while the site was
            // down and SQS kept retrying) wins: a withdrawn statement is never released.
            const head = await getHead(ledger, current.id);
            if (head?.status === 'withdraw') {
              withdrawn = true;
              return { skipped: 'withdrawn', latestRevision: head.latestRevision };
            }
            status = (await post(current, hookUrl)).status;
            return { status };
          },
        );
        if (withdrawn) {
          logger.warn('statement withdrawn before the website hook ran; not POSTing', {
            statementId: current.id,
            revision: current.revision,
          });
          continue;
        }
        logger.info(
          outcome === 'ran' ? 'website hook delivered' : 'website hook already delivered',
          {
            statementId: current.id,
            revision: current.revision,
            ...(outcome === 'ran' ? { status } : {}),
          },
        );
      } catch (err) {
        logger.error('website hook failed; SQS will retry it', {
          statementId: release?.id,
          revision: release?.revision,
          messageId: record.messageId,
          error: err as Error,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
