/** Lambda entry for `website-hook` (website queue → signed POST to the site's build hook). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { secretsManagerSource, staticSecret } from '../shared/secrets';
import { createWebsiteHookHandler } from './handler';

const env = readEnv(
  z
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
    }),
);

export const handler = createWebsiteHookHandler({
  ddb: createDocumentClient(new DynamoDBClient({})),
  fetch: globalThis.fetch,
  logger: createLogger({ serviceName: 'herald-website-hook' }),
  clock: () => new Date(),
  webhookSecret: env.WEBHOOK_SECRET_ARN
    ? secretsManagerSource(new SecretsManagerClient({}), env.WEBHOOK_SECRET_ARN)
    : staticSecret(''),
  settings: {
    tableName: env.LEDGER_TABLE,
    ...(env.WEBSITE_HOOK_URL ? { hookUrl: env.WEBSITE_HOOK_URL } : {}),
  },
});
