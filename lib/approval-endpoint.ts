/**
 * The approval endpoint, built only when herald.config.json has `approval`: a public
 * Function URL (approvers click from their mail, with no AWS credentials; every request
 * carries an HMAC-signed, expiring token checked in the handler), its signing key, and
 * what it may do: read the statement head and write decisions in the ledger, and publish
 * decisions to the approvals topic.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import type { FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { HeraldConfig } from '../core/config/schema';
import { approvalEnvironment } from '../functions/approval/env';
import { HeraldFunction } from './constructs/herald-function';
import { PublicFunctionUrl } from './constructs/public-function-url';
import { type Foundation, signingSecret } from './foundation';
import { grantPublish } from './function-wiring';

/**
 * Approval requests in flight at most. Real traffic is a handful of approvers
 * clicking once per revision; 2 keeps a flood of forged links to two instances
 * (each refused after one HMAC check) while a real click waits at most a moment.
 */
export const APPROVAL_CONCURRENCY = 2;

/**
 * Lambda allows 4 KB of environment variables per function; the approval settings
 * and partner filter policies ingest is given must leave room for the rest.
 */
export const MAX_APPROVAL_ENV_BYTES = 2_500;

/** The approval function and what ingest needs from it (its settings, URL and key). */
export interface ApprovalEndpoint {
  readonly fn: HeraldFunction;
  readonly url: FunctionUrl;
  readonly key: Secret;
  /** `approval` from the config, as JSON (ingest's APPROVAL_SETTINGS). */
  readonly settings: string;
  /** Each partner's name and filter policy, as JSON (ingest's PARTNER_FILTERS). */
  readonly partnerFilters: string;
}

export function approvalEndpoint(
  stack: Stack,
  base: Foundation,
  approval: NonNullable<HeraldConfig['approval']>,
  topic: ITopic,
): ApprovalEndpoint {
  const { settings, partnerFilters } = ingestSettings(approval, base.config);
  const key = signingSecret(
    stack,
    'ApprovalKey',
    'Herald: HMAC key for the Approve and Reject links in proof emails',
    'Rotating the approval HMAC key would break the links in proofs awaiting a decision; they expire within days anyway, so rotate by hand if it leaks (docs/deploy.md).',
  );
  const fn = new HeraldFunction(stack, 'Approval', {
    name: 'approval',
    environment: approvalEnvironment({
      LEDGER_TABLE: base.ledger.tableName,
      APPROVAL_SECRET_ARN: key.secretArn,
      APPROVALS_TOPIC_ARN: topic.topicArn,
    }),
    timeout: Duration.seconds(10),
  });
  const url = new PublicFunctionUrl(stack, 'ApprovalEndpoint', {
    fn,
    reservedConcurrency: APPROVAL_CONCURRENCY,
    alarmAction: base.alarmAction,
    purpose: 'approval link',
  }).url;
  base.ledger.grant(fn, 'dynamodb:GetItem', 'dynamodb:PutItem');
  key.grantRead(fn);
  grantPublish(fn, [topic]);
  return { fn, url, key, settings, partnerFilters };
}

/** The approval settings and partner filters ingest is given, refused if too large. */
function ingestSettings(
  approval: NonNullable<HeraldConfig['approval']>,
  config: HeraldConfig,
): { settings: string; partnerFilters: string } {
  const settings = JSON.stringify(approval);
  const partnerFilters = JSON.stringify(
    config.partners.subscriptions.map((s) => ({
      name: s.name,
      filterPolicy: s.filterPolicy ?? null,
    })),
  );
  const bytes = Buffer.byteLength(settings) + Buffer.byteLength(partnerFilters);
  if (bytes > MAX_APPROVAL_ENV_BYTES) {
    throw new RangeError(
      `approval and the partners' filter policies take ${bytes} bytes as ingest's environment; Lambda allows 4 KB in all, so keep them under ${MAX_APPROVAL_ENV_BYTES} (fewer approvers, or simpler filter policies).`,
    );
  }
  return { settings, partnerFilters };
}
