/** The environment of `unsubscribe`: the contract between lib/ (which sets it) and index.ts. */
import * as z from 'zod';
import { environmentBuilder } from '../shared/env';

export const unsubscribeEnvSchema = z.object({
  LEDGER_TABLE: z.string().min(1),
  UNSUBSCRIBE_SECRET_ARN: z.string().min(1),
});

export type UnsubscribeEnv = z.output<typeof unsubscribeEnvSchema>;

export const unsubscribeEnvironment = /* @__PURE__ */ environmentBuilder(
  'unsubscribe',
  unsubscribeEnvSchema,
);
