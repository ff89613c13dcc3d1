/**
 * The environment of `send`: the contract between lib/ (which sets it) and index.ts.
 * `zod/mini`, like everything in this bundle: cold start matters here.
 */
import * as z from 'zod/mini';
import { environmentBuilder } from '../shared/env';
import '../shared/zod-mini';

export const sendEnvSchema = z.object({
  LEDGER_TABLE: z.string().check(z.minLength(1)),
  BUCKET_NAME: z.string().check(z.minLength(1)),
  SENDER_FROM: z.string().check(z.minLength(3)),
  SES_CONFIGURATION_SET: z.optional(z.string()),
  UNSUBSCRIBE_BASE_URL: z.url({ protocol: /^https$/ }),
  UNSUBSCRIBE_SECRET_ARN: z.string().check(z.minLength(1)),
  OPS_TOPIC_ARN: z.string().check(z.startsWith('arn:')),
  SEND_RATE_PER_SECOND: z._default(z.coerce.number().check(z.positive()), 1),
  SEND_MAX_CONCURRENCY: z.optional(z.coerce.number().check(z.int(), z.positive())),
});

export type SendEnv = z.output<typeof sendEnvSchema>;

export const sendEnvironment = /* @__PURE__ */ environmentBuilder('send', sendEnvSchema);
