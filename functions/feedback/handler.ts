/**
 * feedback: SES bounce and complaint events (configuration set event
 * publishing → SNS → this function) maintain the suppression list.
 *
 * Permanent bounces and every complaint suppress the address at once (Gmail
 * and Yahoo expect complaints to stop mail immediately); transient and
 * undetermined bounces are only logged. A malformed message is logged and
 * skipped: throwing would make Lambda retry a message that can never parse.
 * A DynamoDB failure does throw, so the event is retried (suppress is idempotent).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { maskEmail } from '../../core/press-list/address';
import { ledgerOf } from '../shared/ledger/client';
import { type SuppressionReason, suppress } from '../shared/ledger/suppression';
import type { Logger } from '../shared/logger';

export interface FeedbackDeps {
  ddb: DynamoDBDocumentClient;
  logger: Logger;
  clock: () => Date;
  settings: { tableName: string };
}

const recipients = z.array(z.object({ emailAddress: z.string().min(1) })).min(1);

/** The fields we use from an SES event (eventType, event publishing) or notification (notificationType, v1). */
const sesEventSchema = z.object({
  eventType: z.string().optional(),
  notificationType: z.string().optional(),
  mail: z.object({ messageId: z.string().optional() }).optional(),
  bounce: z
    .object({
      bounceType: z.string(),
      bounceSubType: z.string().optional(),
      bouncedRecipients: recipients,
    })
    .optional(),
  complaint: z
    .object({
      complaintFeedbackType: z.string().optional(),
      complainedRecipients: recipients,
    })
    .optional(),
});

type SesEvent = z.infer<typeof sesEventSchema>;

export type FeedbackAction =
  | { action: 'suppress'; reason: SuppressionReason; emails: string[]; detail: string }
  | { action: 'log'; detail: string }
  | { action: 'ignore'; detail: string };

/** `"Name" <a@b.org>` → `a@b.org`; SES usually sends the bare address. */
function addressOf(value: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(value);
  return (angle?.[1] ?? value).trim();
}

/** Pure decision for one SES event, so the rules are testable without AWS. */
export function decideFeedback(event: SesEvent): FeedbackAction {
  const type = event.eventType ?? event.notificationType;
  if (type === 'Bounce') {
    if (!event.bounce) return { action: 'ignore', detail: 'Bounce event without a bounce object' };
    const detail = `bounce ${event.bounce.bounceType}/${event.bounce.bounceSubType ?? '-'}`;
    if (event.bounce.bounceType !== 'Permanent') return { action: 'log', detail };
    return {
      action: 'suppress',
      reason: 'bounce',
      emails: event.bounce.bouncedRecipients.map((r) => addressOf(r.emailAddress)),
      detail,
    };
  }
  if (type === 'Complaint') {
    if (!event.complaint)
      return { action: 'ignore', detail: 'Complaint event without a complaint object' };
    return {
      action: 'suppress',
      reason: 'complaint',
      emails: event.complaint.complainedRecipients.map((r) => addressOf(r.emailAddress)),
      detail: `complaint ${event.complaint.complaintFeedbackType ?? 'unspecified'}`,
    };
  }
  return { action: 'ignore', detail: `event type ${type ?? '(none)'}` };
}

export function createFeedbackHandler(deps: FeedbackDeps) {
  return async (event: SNSEvent): Promise<void> => {
    for (const record of event.Records)
      await handleRecord(deps, record.Sns.MessageId, record.Sns.Message);
  };
}

async function handleRecord(deps: FeedbackDeps, snsMessageId: string, body: string): Promise<void> {
  const { logger } = deps;
  let parsed: SesEvent;
  try {
    parsed = sesEventSchema.parse(JSON.parse(body));
  } catch (err) {
    logger.warn('Feedback message is not an SES event; skipped', { snsMessageId, error: err });
    return;
  }
  const decision = decideFeedback(parsed);
  const sesMessageId = parsed.mail?.messageId;
  if (decision.action !== 'suppress') {
    const log = decision.action === 'log' ? logger.info : logger.debug;
    log.call(logger, 'Feedback not acted on', {
      snsMessageId,
      sesMessageId,
      detail: decision.detail,
    });
    return;
  }
  for (const email of decision.emails) {
    const result = await suppress(ledgerOf(deps), email, {
      reason: decision.reason,
      source: `ses ${decision.detail} ${sesMessageId ?? snsMessageId}`,
      now: deps.clock(),
    });
    logger.info('Address suppressed', {
      snsMessageId,
      sesMessageId,
      recipient: maskEmail(email),
      reason: decision.reason,
      detail: decision.detail,
      result,
    });
  }
}
