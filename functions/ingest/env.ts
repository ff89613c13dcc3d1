/** The environment of `ingest`: the contract between lib/ (which sets it) and index.ts. */
import { z } from 'zod';
import { isIanaTimeZone } from '../../core/statement/schema';
import { SENDER_DISPLAY_NAMES } from '../../core/types';
import { environmentBuilder } from '../shared/env';

const arn = z.string().startsWith('arn:', { error: 'must be an ARN' });

export const ingestEnvSchema = z.object({
  LEDGER_TABLE: z.string().min(1),
  BUCKET_NAME: z.string().min(1),
  PRESS_TOPIC_ARN: arn,
  PARTNERS_TOPIC_ARN: arn,
  WEBSITE_TOPIC_ARN: arn,
  OPS_TOPIC_ARN: arn,
  RELEASE_FUNCTION_ARN: arn,
  SCHEDULER_ROLE_ARN: arn,
  SCHEDULE_GROUP: z.string().min(1),
  SCHEDULER_DLQ_ARN: arn,
  DEFAULT_TIMEZONE: z
    .string()
    .refine(isIanaTimeZone, { error: 'must be an IANA time zone' })
    .default('Europe/London'),
  /** Which name the press email's From header shows (config `sender.displayName`). */
  SENDER_DISPLAY_NAME: z.enum(SENDER_DISPLAY_NAMES).default('organisation'),
});

export type IngestEnv = z.output<typeof ingestEnvSchema>;

export const ingestEnvironment = /* @__PURE__ */ environmentBuilder('ingest', ingestEnvSchema);
