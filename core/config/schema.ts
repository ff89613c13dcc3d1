/**
 * herald.config.json (docs/deploy.md, "The config file"): one validated file read by the CDK app and the
 * local stack alike. Nothing account-specific is hard-coded anywhere else.
 */
import * as z from 'zod';
import { emailAddress, isHttpsUrl, isIanaTimeZone } from '../statement/primitives';
import { SENDER_DISPLAY_NAMES } from '../types';

const SUBSCRIPTION_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** `Press Office <press@example.org>` or `press@example.org`. */
const MAILBOX =
  /^(?:[^<>\r\n\0]{1,100} <[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;

/**
 * An SNS subscription filter policy (attribute scope). Deep checks of operators and
 * SNS's size limits live in core/filter-policy; here we only insist on an object.
 */
export const filterPolicySchema = z.record(z.string(), z.unknown(), {
  error: 'filterPolicy must be an object like {"type": ["statement.released"]}.',
});

const subscription = z
  .strictObject({
    name: z.string().regex(SUBSCRIPTION_NAME, {
      error:
        'A subscription name must be 1–40 lower-case letters, digits and dashes, e.g. "west-midlands-police".',
    }),
    protocol: z.enum(['https', 'sqs', 'email', 'lambda'], {
      error: 'protocol must be one of "https", "sqs", "email", "lambda".',
    }),
    endpoint: z.string().min(1, { error: 'endpoint is required.' }),
    filterPolicy: filterPolicySchema.optional(),
    rawMessageDelivery: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    const ok =
      s.protocol === 'https'
        ? isHttpsUrl(s.endpoint)
        : s.protocol === 'email'
          ? emailAddress().safeParse(s.endpoint).success
          : s.protocol === 'sqs'
            ? /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(s.endpoint)
            : /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/.test(
                s.endpoint,
              );
    if (!ok) {
      const expected = {
        https: 'an https:// URL',
        email: 'an email address',
        sqs: 'an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>)',
        lambda: 'a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)',
      }[s.protocol];
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: `endpoint must be ${expected} for protocol "${s.protocol}".`,
      });
    }
    // SNS (and so CDK synth) allows raw delivery only for HTTP(S), SQS and Firehose.
    if (s.rawMessageDelivery && (s.protocol === 'email' || s.protocol === 'lambda')) {
      ctx.addIssue({
        code: 'custom',
        path: ['rawMessageDelivery'],
        message: `rawMessageDelivery is not available for ${s.protocol} subscriptions (SNS offers it only for https and sqs); remove it.`,
      });
    }
  });

/** Approvers at most: each gets one proof email per revision. */
export const MAX_APPROVERS = 20;

const approver = z.strictObject({
  email: emailAddress('Each approver email'),
  name: z
    .string()
    .trim()
    .min(1, { error: 'Each approver needs a name (it is shown in the audit trail).' })
    .max(100, { error: 'An approver name must be at most 100 characters.' })
    .regex(/^[^\p{Cc}\u2028\u2029]+$/u, {
      error: 'An approver name must be one line of text, without control characters.',
    }),
});

/**
 * Approval: a proof goes to each approver and nothing goes out until `required`
 * of them approved. Withdrawals go ahead at once unless `withdrawals` is
 * "approve" (a kill notice should never wait for a sign-off).
 */
export const approvalSchema = z
  .strictObject({
    approvers: z.array(approver).min(1, {
      error: 'approval.approvers needs at least one approver: {"email": …, "name": …}.',
    }),
    required: z
      .number()
      .int({ error: 'approval.required must be a whole number.' })
      .min(1, { error: 'approval.required must be at least 1.' })
      .default(1),
    withdrawals: z
      .enum(['immediate', 'approve'], {
        error:
          'approval.withdrawals must be "immediate" (a withdrawal goes out at once, the default) or "approve" (it waits for approval like a publication).',
      })
      .default('immediate'),
    linkValidityHours: z
      .number()
      .int({ error: 'approval.linkValidityHours must be a whole number of hours.' })
      .min(1, { error: 'approval.linkValidityHours must be at least 1.' })
      .max(720, { error: 'approval.linkValidityHours must be at most 720 (30 days).' })
      .default(72),
  })
  .superRefine((a, ctx) => {
    if (a.approvers.length > MAX_APPROVERS) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvers'],
        message: `approval.approvers lists ${a.approvers.length} people; at most ${MAX_APPROVERS} can be approvers.`,
      });
    }
    const seen = new Set<string>();
    a.approvers.forEach((p, i) => {
      const key = p.email.toLowerCase();
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['approvers', i, 'email'],
          message: `${p.email} is listed twice; each approver must be listed once.`,
        });
      }
      seen.add(key);
    });
    if (a.required > a.approvers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['required'],
        message: `approval.required is ${a.required}, but only ${a.approvers.length} approver${a.approvers.length === 1 ? ' is' : 's are'} listed: nothing could ever be approved. Lower required or add approvers.`,
      });
    }
  });

export type ApprovalConfig = z.output<typeof approvalSchema>;

/** Why `partners.accounts` is refused, and what to write instead. */
export const PARTNER_ACCOUNTS_REMOVED =
  'partners.accounts is no longer supported: partner accounts cannot subscribe to the partners topic themselves. Remove it and add each partner to partners.subscriptions with its endpoint (their SQS queue ARN, https:// URL or email address) and filterPolicy; Herald creates the subscription. See docs/partners.md.';

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  sender: z.strictObject({
    from: z.string().regex(MAILBOX, {
      error:
        'sender.from must be an address like "Press Office <press@example.org>" or "press@example.org".',
    }),
    sesIdentity: z.string().regex(/^(?:[^\s@]+@)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i, {
      error: 'sender.sesIdentity must be the verified SES domain (example.org) or email address.',
    }),
    /**
     * The From name on the `sender.from` address: "organisation" (the statement's
     * organisation.name, the default), "shortName" (organisation.shortName when
     * it has one) or "fixed" (the name written in sender.from, for every statement).
     */
    displayName: z
      .enum(SENDER_DISPLAY_NAMES, {
        error: `sender.displayName must be one of ${SENDER_DISPLAY_NAMES.map((n) => `"${n}"`).join(', ')}.`,
      })
      .default('organisation'),
  }),
  opsEmails: z.array(emailAddress('Each ops email')).min(1, {
    error:
      'opsEmails needs at least one address: someone must hear about rejected files and failures.',
  }),
  timezone: z
    .string()
    .refine(isIanaTimeZone, { error: 'timezone must be an IANA zone such as "Europe/London".' })
    .default('Europe/London'),
  press: z
    .strictObject({
      sendRatePerSecond: z
        .number()
        .int({ error: 'press.sendRatePerSecond must be a whole number.' })
        .min(1, { error: 'press.sendRatePerSecond must be at least 1.' })
        .max(1000, {
          error: 'press.sendRatePerSecond must be at most 1000 (your SES account rate).',
        })
        .default(14),
      listKey: z
        .string()
        .regex(/^lists\/[A-Za-z0-9._-]+\.csv$/, {
          error: 'press.listKey must be a CSV under lists/, e.g. "lists/press.csv".',
        })
        .default('lists/press.csv'),
    })
    .prefault({}),
  partners: z
    .strictObject({
      // Partners used to subscribe to the topic from their own accounts; that let them
      // subscribe without a filter policy (and read embargoed text) or subscribe a third
      // party. Kept only to explain the change: an empty list is accepted, anything else not.
      accounts: z.array(z.unknown()).max(0, { error: PARTNER_ACCOUNTS_REMOVED }).optional(),
      subscriptions: z.array(subscription).default([]),
    })
    .prefault({})
    .superRefine((p, ctx) => {
      const seen = new Set<string>();
      p.subscriptions.forEach((s, i) => {
        if (seen.has(s.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['subscriptions', i, 'name'],
            message: `Two subscriptions are named "${s.name}"; names must be unique.`,
          });
        }
        seen.add(s.name);
      });
    }),
  website: z
    .strictObject({
      hookUrl: z
        .string()
        .refine(isHttpsUrl, { error: 'website.hookUrl must be an https:// URL.' })
        .optional(),
    })
    .prefault({}),
  /** Leave out to send every valid statement at once, as without approval. */
  approval: approvalSchema.optional(),
});

export type HeraldConfigInput = z.input<typeof configSchema>;
export type HeraldConfig = z.output<typeof configSchema>;
