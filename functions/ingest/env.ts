/** The environment of `ingest`: the contract between lib/ (which sets it) and index.ts. */
import * as z from 'zod';
import { approvalSchema, filterPolicySchema } from '../../core/config/schema';
import { isIanaTimeZone } from '../../core/statement/primitives';
import { SENDER_DISPLAY_NAMES } from '../../core/types';
import { environmentBuilder } from '../shared/env';

const arn = z.string().startsWith('arn:', { error: 'must be an ARN' });

/** A JSON variable parsed with a schema (approval settings, partner filter policies). */
function jsonOf<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

const partnerFiltersSchema = z.array(
  z.object({ name: z.string().min(1), filterPolicy: filterPolicySchema.nullable() }),
);

export const ingestEnvSchema = z
  .object({
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
    // ── Approval (config `approval`): all unset without it ──
    /** The config's `approval` as JSON; unset: every valid upload goes ahead at once. */
    APPROVAL_SETTINGS: jsonOf(approvalSchema).optional(),
    /** The approval endpoint's URL (a Function URL). */
    APPROVAL_URL: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
    APPROVAL_SECRET_ARN: z.string().min(1).optional(),
    /**
     * The configured sender (`sender.from`): email.json then carries the email
     * prepared for it, so a cold send only splices. Proofs come from it too.
     */
    SENDER_FROM: z.string().min(3).optional(),
    SES_CONFIGURATION_SET: z.string().min(1).optional(),
    PRESS_LIST_KEY: z.string().min(1).optional(),
    /** `[{name, filterPolicy}]` of the partner subscriptions, as JSON. */
    PARTNER_FILTERS: jsonOf(partnerFiltersSchema).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.APPROVAL_SETTINGS === undefined) return;
    for (const name of [
      'APPROVAL_URL',
      'APPROVAL_SECRET_ARN',
      'SENDER_FROM',
      'PRESS_LIST_KEY',
    ] as const) {
      if (env[name] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is required with APPROVAL_SETTINGS',
        });
      }
    }
  });

export type IngestEnv = z.output<typeof ingestEnvSchema>;

export const ingestEnvironment = /* @__PURE__ */ environmentBuilder('ingest', ingestEnvSchema);
