/**
 * Boots every Herald function the way Lambda does: through its entry
 * (functions/<name>/index.ts, `boot<Name>(env, runtime)`), with an environment built by
 * the same typed builders the CDK stack uses (functions/<name>/env.ts). The environment
 * names local resources shaped like real ones (local/names.ts); the runtime gives real
 * SDK clients pointed at the emulators or answered in process (local/aws-clients.ts).
 * There is no other wiring of the handlers: what runs here is what is deployed.
 */
import type { HeraldConfig } from '../core/config/schema';
import { approvalEnvironment } from '../functions/approval/env';
import { bootApproval } from '../functions/approval/index';
import { dispatchEnvironment } from '../functions/dispatch/env';
import { bootDispatch } from '../functions/dispatch/index';
import { feedbackEnvironment } from '../functions/feedback/env';
import { bootFeedback } from '../functions/feedback/index';
import { ingestEnvironment } from '../functions/ingest/env';
import { bootIngest } from '../functions/ingest/index';
import { releaseEnvironment } from '../functions/release/env';
import { bootRelease } from '../functions/release/index';
import { sendEnvironment } from '../functions/send/env';
import { bootSend } from '../functions/send/index';
import type { FunctionEnvironment } from '../functions/shared/env';
import type { FunctionRuntime } from '../functions/shared/runtime';
import { unsubscribeEnvironment } from '../functions/unsubscribe/env';
import { bootUnsubscribe } from '../functions/unsubscribe/index';
import { websiteHookEnvironment } from '../functions/website-hook/env';
import { bootWebsiteHook } from '../functions/website-hook/index';
import {
  LOCAL_BUCKET,
  LOCAL_TABLE,
  type LocalFunctionName,
  type LocalResources,
  SCHEDULER_DLQ_ARN,
  SCHEDULER_ROLE_ARN,
} from './names';

/** The environment each function is booted with, as the stack's builders made it. */
export type LocalEnvironments = {
  readonly [N in Exclude<LocalFunctionName, 'approval'>]: FunctionEnvironment<N>;
} & {
  /** Only with `approval` in the config, as in the stack (which then deploys the function). */
  readonly approval?: FunctionEnvironment<'approval'>;
};

export interface LocalEnvironmentInputs {
  config: HeraldConfig;
  resources: LocalResources;
  /** The local https unsubscribe pages (core/mime requires an https List-Unsubscribe). */
  unsubscribeUrl: string;
  /** The local website hook receiver; config.website.hookUrl is never contacted. */
  hookUrl: string;
  /** The local https approval pages (the links in proof emails). */
  approvalUrl: string;
  /** Overrides config.press.sendRatePerSecond (tests use a high rate). */
  sendRatePerSecond?: number | undefined;
}

export function localEnvironments(inputs: LocalEnvironmentInputs): LocalEnvironments {
  const { config, resources } = inputs;
  const common = { LEDGER_TABLE: LOCAL_TABLE, BUCKET_NAME: LOCAL_BUCKET };
  const { topics, secrets } = resources;
  return {
    ingest: ingestEnvironment({
      ...common,
      PRESS_TOPIC_ARN: topics.press,
      PARTNERS_TOPIC_ARN: topics.partners,
      WEBSITE_TOPIC_ARN: topics.website,
      OPS_TOPIC_ARN: topics.ops,
      RELEASE_FUNCTION_ARN: resources.functions.release,
      SCHEDULER_ROLE_ARN,
      SCHEDULE_GROUP: resources.scheduleGroup,
      SCHEDULER_DLQ_ARN,
      DEFAULT_TIMEZONE: config.timezone,
      SENDER_DISPLAY_NAME: config.sender.displayName,
      SENDER_FROM: config.sender.from,
      ...(config.approval
        ? {
            APPROVAL_SETTINGS: JSON.stringify(config.approval),
            APPROVAL_URL: inputs.approvalUrl,
            APPROVAL_SECRET_ARN: secrets['approval-key'],
            PRESS_LIST_KEY: config.press.listKey,
            PARTNER_FILTERS: JSON.stringify(partnerFilters(config)),
          }
        : {}),
    }),
    dispatch: dispatchEnvironment({
      ...common,
      SEND_QUEUE_URL: resources.queues.send.url,
      OPS_TOPIC_ARN: topics.ops,
      PRESS_LIST_KEY: config.press.listKey,
    }),
    send: sendEnvironment({
      ...common,
      SENDER_FROM: config.sender.from,
      UNSUBSCRIBE_BASE_URL: inputs.unsubscribeUrl,
      UNSUBSCRIBE_SECRET_ARN: secrets['unsubscribe-key'],
      OPS_TOPIC_ARN: topics.ops,
      SEND_RATE_PER_SECOND: String(inputs.sendRatePerSecond ?? config.press.sendRatePerSecond),
    }),
    release: releaseEnvironment({
      ...common,
      PARTNERS_TOPIC_ARN: topics.partners,
      WEBSITE_TOPIC_ARN: topics.website,
      OPS_TOPIC_ARN: topics.ops,
    }),
    'website-hook': websiteHookEnvironment({
      LEDGER_TABLE: LOCAL_TABLE,
      WEBSITE_HOOK_URL: inputs.hookUrl,
      WEBHOOK_SECRET_ARN: secrets['webhook-secret'],
    }),
    unsubscribe: unsubscribeEnvironment({
      LEDGER_TABLE: LOCAL_TABLE,
      UNSUBSCRIBE_SECRET_ARN: secrets['unsubscribe-key'],
    }),
    feedback: feedbackEnvironment({ LEDGER_TABLE: LOCAL_TABLE }),
    ...(config.approval
      ? {
          approval: approvalEnvironment({
            LEDGER_TABLE: LOCAL_TABLE,
            APPROVAL_SECRET_ARN: secrets['approval-key'],
            APPROVALS_TOPIC_ARN: topics.approvals,
          }),
        }
      : {}),
  };
}

/** Each partner subscription's name and filter policy, as ingest's proofs describe them. */
export function partnerFilters(
  config: HeraldConfig,
): Array<{ name: string; filterPolicy: Record<string, unknown> | null }> {
  return config.partners.subscriptions.map((s) => ({
    name: s.name,
    filterPolicy: s.filterPolicy ?? null,
  }));
}

export interface LocalFunctions {
  ingest: ReturnType<typeof bootIngest>;
  dispatch: ReturnType<typeof bootDispatch>;
  send: ReturnType<typeof bootSend>;
  release: ReturnType<typeof bootRelease>;
  'website-hook': ReturnType<typeof bootWebsiteHook>;
  unsubscribe: ReturnType<typeof bootUnsubscribe>;
  /** Booted so its wiring is proven; nothing triggers it locally (no SES feedback). */
  feedback: ReturnType<typeof bootFeedback>;
  /** Only with `approval` in the config. */
  approval?: ReturnType<typeof bootApproval>;
}

/**
 * Boots every function once, as a cold start would; a bad environment throws the
 * function's EnvironmentError here, before the stack accepts any work.
 */
export function bootLocalFunctions(
  environments: LocalEnvironments,
  runtimeFor: (name: LocalFunctionName) => FunctionRuntime,
): LocalFunctions {
  return {
    ingest: bootIngest(environments.ingest, runtimeFor('ingest')),
    dispatch: bootDispatch(environments.dispatch, runtimeFor('dispatch')),
    send: bootSend(environments.send, runtimeFor('send')),
    release: bootRelease(environments.release, runtimeFor('release')),
    'website-hook': bootWebsiteHook(environments['website-hook'], runtimeFor('website-hook')),
    unsubscribe: bootUnsubscribe(environments.unsubscribe, runtimeFor('unsubscribe')),
    feedback: bootFeedback(environments.feedback, runtimeFor('feedback')),
    ...(environments.approval
      ? { approval: bootApproval(environments.approval, runtimeFor('approval')) }
      : {}),
  };
}
