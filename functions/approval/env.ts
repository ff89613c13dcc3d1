/** The environment of `approval`: the contract between lib/ (which sets it) and index.ts. */
import * as z from 'zod';
import { environmentBuilder } from '../shared/env';

export const approvalEnvSchema = z.object({
  LEDGER_TABLE: z.string().min(1),
  APPROVAL_SECRET_ARN: z.string().min(1),
  /** The approvals topic: ingest acts on each decision published there. */
  APPROVALS_TOPIC_ARN: z.string().startsWith('arn:', { error: 'must be an ARN' }),
});

export type ApprovalEnv = z.output<typeof approvalEnvSchema>;

export const approvalEnvironment = /* @__PURE__ */ environmentBuilder(
  'approval',
  approvalEnvSchema,
);
