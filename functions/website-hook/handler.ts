/**
 * website-hook: one signed POST to the website's build hook per release or
 * withdrawal (website topic → website queue, raw delivery → here).
 *
 * The website must never go back a revision, nor show a withdrawn statement
 * again, even when SQS redelivers late or an operator redrives a dead letter.
 * So each POST is made holding the statement's website lock (`stmt#<id>` /
 * `site`), after core/lifecycle's `decideWebsitePost` has checked the message
 * against the statement's head and the last revision the website was told
 * about; that revision is recorded after the POST.
 *
 * At-least-once window: if the POST succeeds but the record is not written
 * (the function dies in between), a retry POSTs again; receivers drop the copy
 * by `X-Herald-Delivery: <id>#<revision>#<type>`. A non-2xx answer or a network
 * error fails the record, so SQS retries it and finally dead-letters it (alarm).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HeraldError } from '../../core/errors';
import { decideWebsitePost } from '../../core/lifecycle';
import {
  signWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '../../core/security/webhook-signature';
import { type InvocationContext, invocationRunner, lockOptions } from '../shared/invocation';
import { statementPk } from '../shared/ledger/client';
import { withLock } from '../shared/ledger/lock';
import { lastPostedOf, recordPosted, SITE_SK } from '../shared/ledger/site';
import { getHead } from '../shared/ledger/statements';
import type { Logger } from '../shared/logger';
import { parseWebsiteMessage, type WebsiteMessage } from '../shared/messages';
import type { SecretSource } from '../shared/secrets';
import { sqsConsumer } from '../shared/sqs-consumer';

export const WEBHOOK_DELIVERY_HEADER = 'X-Herald-Delivery';

export interface WebsiteHookSettings {
  tableName: string;
  /** Absent: no website hook configured; messages are logged and acknowledged. */
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
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
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
export function webhookBody(message: WebsiteMessage): string {
  if (message.type === 'statement.withdrawn') {
    return JSON.stringify({
      type: message.type,
      id: message.id,
      revision: message.revision,
      reference: message.reference,
      withdrawalReason: message.withdrawalReason,
      withdrawnAt: message.withdrawnAt,
    });
  }
  return JSON.stringify({
    type: message.type,
    id: message.id,
    revision: message.revision,
    headline: message.headline,
    publishedPrefix: message.publishedPrefix,
    releasedAt: message.releasedAt,
  });
}

export function deliveryId(message: WebsiteMessage): string {
  return `${message.id}#${message.revision}#${message.type}`;
}

export function createWebsiteHookHandler(deps: WebsiteHookDeps) {
  return sqsConsumer<WebsiteMessage>({
    parse: parseWebsiteMessage,
    describe: (message) => ({ type: message.type }),
    logger: deps.logger,
    handle: (message, context) => deliver(deps, message, context),
  });
}

async function deliver(
  deps: WebsiteHookDeps,
  message: WebsiteMessage,
  context: InvocationContext | undefined,
): Promise<void> {
  const { logger, clock } = deps;
  const fields = { type: message.type };
  const hookUrl = deps.settings.hookUrl;
  if (!hookUrl) {
    logger.info('No website hook configured; message acknowledged', fields);
    return;
  }
  const timeoutMs = timeoutOf(deps);
  // The lock must outlive the POST, or a redelivery could POST alongside it.
  const runner = invocationRunner(deps, context, 2 * timeoutMs + 5_000);
  const key = { pk: statementPk(message.id), sk: SITE_SK };
  // Short wait: a POST in progress for this statement finishes soon, else SQS retries us.
  await withLock(runner.ledger, key, lockOptions(runner, timeoutMs), async (lock) => {
    const head = await getHead(runner.ledger, message.id);
    const decision = decideWebsitePost(head, lastPostedOf(lock.item), message, clock());
    if (!decision.post) {
      logger.info('Not telling the website', { ...fields, reason: decision.reason });
      return;
    }
    const status = await post(deps, message, hookUrl);
    await recordPosted(runner.ledger, lock, {
      revision: message.revision,
      type: message.type,
      now: clock(),
    });
    logger.info('Website hook delivered', { ...fields, status });
  });
}

function timeoutOf(deps: WebsiteHookDeps): number {
  return deps.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
}

async function post(
  deps: WebsiteHookDeps,
  message: WebsiteMessage,
  hookUrl: string,
): Promise<number> {
  const body = webhookBody(message);
  const secret = await deps.webhookSecret.get();
  const signed = signWebhook(body, secret, Math.floor(deps.clock().getTime() / 1000));
  const delivery = deliveryId(message);
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
    signal: AbortSignal.timeout(timeoutOf(deps)),
    redirect: 'error',
  });
  // Free the connection; the body is not used.
  await response.body?.cancel().catch(() => undefined);
  if (!response.ok) throw new WebhookDeliveryError(response.status, delivery);
  return response.status;
}
