/** The environment of `website-hook`: the contract between lib/ (which sets it) and index.ts. */
import * as z from 'zod';
import { environmentBuilder } from '../shared/env';

export const websiteHookEnvSchema = z
  .object({
    LEDGER_TABLE: z.string().min(1),
    // Empty or absent: no website hook configured; releases are acknowledged and logged.
    WEBSITE_HOOK_URL: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]).optional(),
    WEBHOOK_SECRET_ARN: z.string().optional(),
  })
  // A hook without a secret could only send unsigned POSTs: refuse at cold start.
  .refine((env) => !env.WEBSITE_HOOK_URL || Boolean(env.WEBHOOK_SECRET_ARN), {
    path: ['WEBHOOK_SECRET_ARN'],
    error: 'required when WEBSITE_HOOK_URL is set',
  });

export type WebsiteHookEnv = z.output<typeof websiteHookEnvSchema>;

export const websiteHookEnvironment = /* @__PURE__ */ environmentBuilder(
  'website-hook',
  websiteHookEnvSchema,
);
