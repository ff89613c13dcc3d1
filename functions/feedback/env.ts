/** The environment of `feedback`: the contract between lib/ (which sets it) and index.ts. */
import * as z from 'zod';
import { environmentBuilder } from '../shared/env';

export const feedbackEnvSchema = z.object({ LEDGER_TABLE: z.string().min(1) });

export type FeedbackEnv = z.output<typeof feedbackEnvSchema>;

export const feedbackEnvironment = /* @__PURE__ */ environmentBuilder(
  'feedback',
  feedbackEnvSchema,
);
