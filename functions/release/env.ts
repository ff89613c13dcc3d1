/** The environment of `release`: the contract between lib/ (which sets it) and index.ts. */
import * as z from 'zod';
import { environmentBuilder } from '../shared/env';

const arn = z.string().startsWith('arn:', { error: 'must be an ARN' });

export const releaseEnvSchema = z.object({
  LEDGER_TABLE: z.string().min(1),
  BUCKET_NAME: z.string().min(1),
  PARTNERS_TOPIC_ARN: arn,
  WEBSITE_TOPIC_ARN: arn,
  OPS_TOPIC_ARN: arn,
});

export type ReleaseEnv = z.output<typeof releaseEnvSchema>;

export const releaseEnvironment = /* @__PURE__ */ environmentBuilder('release', releaseEnvSchema);
