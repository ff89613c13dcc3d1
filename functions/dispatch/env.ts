/** The environment of `dispatch`: the contract between lib/ (which sets it) and index.ts. */
import * as z from 'zod';
import { environmentBuilder } from '../shared/env';

export const dispatchEnvSchema = z.object({
  LEDGER_TABLE: z.string().min(1),
  BUCKET_NAME: z.string().min(1),
  SEND_QUEUE_URL: z.string().min(1),
  OPS_TOPIC_ARN: z.string().min(1),
  PRESS_LIST_KEY: z.string().min(1).default('lists/press.csv'),
});

export type DispatchEnv = z.output<typeof dispatchEnvSchema>;

export const dispatchEnvironment = /* @__PURE__ */ environmentBuilder(
  'dispatch',
  dispatchEnvSchema,
);
