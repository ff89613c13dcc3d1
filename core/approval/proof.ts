/**
 * The proof email an approver gets for a revision awaiting approval, and the
 * short notices approvers get when it is approved or rejected. Pure: the text
 * and HTML are built here, the MIME by nodemailer's MailComposer (in memory).
 *
 * A proof says what approving would do, in plain words (journalists by topic,
 * partners by message type, the lift in the statement's zone, what corrections
 * and withdrawals reach later), then the Approve and Reject links, the checks,
 * the social copy with each platform's count, and the journalist email as it
 * will be sent, attached as a message (`journalist-email.eml`) and its text
 * part quoted. Everything from the statement is escaped (core/render's escaping).
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { HeraldError } from '../errors';
import type { RevisionPlan } from '../lifecycle/types';
import { escapeHtml } from '../render/mjml-tag';
import { PREVIEW_RECIPIENT } from '../render/template/preview-data';
import { MEASURES, PLATFORM_NAMES, PLATFORMS } from '../social/counting';
import { formatEmbargoTime } from '../statement/embargo';
import type { Statement } from '../statement/schema';
import type { Issue, SocialCopy } from '../types';
import type { PartnerAudience, PressAudience } from './audience';

/** The header that marks Herald's approval emails (proofs and notices): `<id>; revision=<n>; kind=<kind>`. */
export const APPROVAL_HEADER = 'X-Herald-Approval';

export type ApprovalMailKind = 'proof' | 'approved' | 'rejected';

/** The sample journalist the attached email is addressed to: the one of every preview (herald render, herald preview, the proof). */
export const SAMPLE_JOURNALIST = PREVIEW_RECIPIENT;

export class ApprovalMailError extends HeraldError {
  override name = 'ApprovalMailError';
}

export interface ProofInput {
  statement: Statement;
  /** What approving now would do. */
  plan: RevisionPlan;
  social: SocialCopy;
  warnings: Issue[];
  approver: { email: string; name: string };
  required: number;
  approverCount: number;
  links: { approve: string; reject: string };
  linksExpire: Date;
  now: Date;
  /** Zone for times that are not the statement's own lift (the config's). */
  timezone: string;
  uploadedBy: string | null;
  /** An older revision this one replaced while it awaited approval. */
  supersedes: number | null;
  /** Null when the plan sends nothing to the press. */
  press: PressAudience | null;
  /** Null when the press list could not be read (why, in words). */
  pressListProblem: string | null;
  partners: PartnerAudience[];
  /** The journalist email's text part as sent to SAMPLE_JOURNALIST, and its subject. */
  journalistText: string;
  journalistSubject: string;
}

const KIND_WORDS: Record<RevisionPlan['kind'], string> = {
  published: 'a new statement',
  corrected: 'a correction',
  withdrawn: 'a withdrawal',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Plain-language sections, shared by the text and HTML parts (each line is plain text). */
export function proofSections(input: ProofInput): Array<{ title: string; lines: string[] }> {
  const { statement, plan } = input;
  const when = (d: Date) => formatEmbargoTime(d, input.timezone);
  const intro = [
    `${input.approver.name}, please check this statement before it goes out. Nothing has been sent to anyone yet.`,
    `It needs ${plural(input.required, 'approval')} (${plural(input.approverCount, 'approver')} can approve).`,
    `${statement.id} revision ${statement.revision}: ${KIND_WORDS[plan.kind]}, "${statement.headline}".`,
    `Uploaded ${when(input.now)}${input.uploadedBy ? ` by ${input.uploadedBy}` : ''}.`,
  ];
  if (input.supersedes !== null) {
    intro.push(
      `It replaces revision ${input.supersedes}, which was awaiting approval: the links in that proof no longer work.`,
    );
  }
  return [
    { title: 'Proof: nothing has been sent yet', lines: intro },
    { title: 'What happens when it is approved', lines: whatHappens(input) },
    {
      title: 'Approve or reject',
      lines: [
        `Approve: ${input.links.approve}`,
        `Reject (you will be asked why): ${input.links.reject}`,
        `These links are yours alone, work once, and stop working at ${when(input.linksExpire)}. Opening a link only shows a page; nothing happens until you press its button.`,
      ],
    },
    {
      title: 'Checks',
      lines:
        input.warnings.length === 0
          ? ['Herald found nothing to warn about.']
          : input.warnings.map((w) => `${w.path === '' ? '(file)' : w.path}: ${w.message}`),
    },
    { title: 'Social copy', lines: socialLines(input.social) },
  ];
}

function whatHappens(input: ProofInput): string[] {
  const { plan, statement } = input;
  const lines: string[] = [];
  lines.push(pressLine(input));
  if (plan.status === 'withdraw') {
    lines.push('The withdrawal is final, and any pending release is cancelled.');
  } else if (plan.embargo) {
    lines.push(
      `Embargo: EMBARGOED until ${plan.embargo.display}. Journalists get it at once, marked EMBARGOED; the website and partners' statement.released wait for the lift. If it is approved after the lift, it goes out at once with no embargo, and you will be told.`,
    );
  } else if (statement.embargo && Date.parse(statement.embargo.until) <= input.now.getTime()) {
    lines.push(
      'Embargo: the embargo has already passed: approving sends it at once, and it is public at once.',
    );
  } else {
    lines.push('Embargo: none in force: approving sends it at once, and it is public at once.');
  }
  if (plan.liftChange) {
    lines.push(
      plan.liftChange.to
        ? `The lift moves from ${plan.liftChange.from.display} to ${plan.liftChange.to.display}; the journalists' email says so.`
        : `This lifts the embargo of ${plan.liftChange.from.display} early: the statement goes public at once.`,
    );
  }
  const partnerLines = input.partners.map((p) =>
    p.deliveries.length === 0
      ? `Partner ${p.name}: nothing (its filter policy lets none of these messages through)`
      : `Partner ${p.name}: ${p.deliveries.map((d) => `${d.type} (${d.when === 'now' ? 'when approved' : 'at the lift'})`).join(', ')}`,
  );
  lines.push(...(partnerLines.length === 0 ? ['Partners: none are configured.'] : partnerLines));
  const website =
    plan.status === 'withdraw'
      ? plan.effects.some((e) => e.kind === 'unpublish')
        ? 'Website: told to take the statement down.'
        : 'Website: nothing to take down (it was never released).'
      : !plan.channels.website
        ? 'Website: off for this statement.'
        : plan.embargo
          ? 'Website: rebuilt at the lift.'
          : 'Website: rebuilt when it is approved.';
  lines.push(website);
  if (plan.status === 'publish') {
    lines.push(
      'Later: a correction goes to every journalist and partner this reaches (whatever its own channels say) and to whoever matches its topics; a withdrawal sends a kill notice to every journalist who received it and tells every partner who had it.',
    );
  }
  return lines;
}

function pressLine(input: ProofInput): string {
  const { press } = input;
  if (press === null) {
    return input.plan.status === 'withdraw'
      ? 'Journalists: no kill notice is needed (no journalist was sent this statement).'
      : 'Journalists: none (the press channel is off for this statement).';
  }
  if (input.pressListProblem !== null && press.topics !== null) {
    return `Journalists: the press list could not be read just now (${input.pressListProblem}); check it before approving.`;
  }
  const parts: string[] = [];
  if (press.topics !== null) {
    const topics = press.byTopic.map((t) => `${t.count} follow ${t.topic}`);
    if (press.everyTopic > 0) topics.push(`${press.everyTopic} take every topic`);
    parts.push(
      `${plural(press.total, 'journalist')} on the press list${topics.length > 0 ? ` (${topics.join(', ')})` : ''}`,
    );
  }
  if (press.holders) {
    parts.push(
      `${plural(press.holderCount, 'journalist')} sent an earlier revision (each gets it once)`,
    );
  }
  const what = input.plan.status === 'withdraw' ? 'the kill notice' : 'the embargoed email';
  return `Journalists: ${parts.join(', and ')} get ${input.plan.embargo ? what : input.plan.status === 'withdraw' ? what : 'the email'}.`;
}

function socialLines(social: SocialCopy): string[] {
  return PLATFORMS.map((platform) => {
    const text = social[platform].text;
    if (text === '') return `${PLATFORM_NAMES[platform]}: no post (a withdrawal is not promoted).`;
    const m = MEASURES[platform](text);
    return `${PLATFORM_NAMES[platform]} (${m.measured} of ${m.limit} ${m.unit}): ${text}`;
  });
}

export function proofSubject(input: Pick<ProofInput, 'statement'>): string {
  const { statement } = input;
  return `Approval needed: ${statement.headline} (${statement.id} revision ${statement.revision})`;
}

export function proofText(input: ProofInput): string {
  const blocks = proofSections(input).map(
    (s) => `${s.title.toUpperCase()}\n\n${s.lines.map((l) => `- ${l}`).join('\n')}`,
  );
  blocks.push(
    [
      'THE JOURNALIST EMAIL, AS IT WILL BE SENT',
      '',
      `Attached as journalist-email.eml, addressed to a sample journalist (${SAMPLE_JOURNALIST.name}). Its text part:`,
      '',
      `Subject: ${input.journalistSubject}`,
      '',
      input.journalistText,
    ].join('\n'),
  );
  return `${blocks.join('\n\n')}\n`;
}

const STYLE =
  'body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;font-size:16px;line-height:1.5;color:#1b1b1b;background:#fff}' +
  'main{max-width:40rem;margin:0 auto;padding:1rem}' +
  'a.button{display:inline-block;padding:.5rem 1.2rem;margin:.25rem .5rem .25rem 0;border:2px solid #0b0c0c;border-radius:4px;color:#fff;background:#0b0c0c;text-decoration:none}' +
  'a.reject{background:#fff;color:#0b0c0c}pre{white-space:pre-wrap;border-left:4px solid #b1b4b6;padding-left:1rem}';

export function proofHtml(input: ProofInput): string {
  const sections = proofSections(input);
  const body = sections
    .map((s, i) => {
      if (s.title === 'Approve or reject') {
        return `<h2>${escapeHtml(s.title)}</h2>
<p><a class="button" href="${escapeHtml(input.links.approve)}">Approve</a>
<a class="button reject" href="${escapeHtml(input.links.reject)}">Reject</a></p>
<p>${escapeHtml(s.lines[2] ?? '')}</p>`;
      }
      const heading = i === 0 ? 'h1' : 'h2';
      return `<${heading}>${escapeHtml(s.title)}</${heading}>
<ul>${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(proofSubject(input))}</title><style>${STYLE}</style></head>
<body><main>
${body}
<h2>The journalist email, as it will be sent</h2>
<p>Attached as journalist-email.eml, addressed to a sample journalist (${escapeHtml(SAMPLE_JOURNALIST.name)}). Its text part:</p>
<p><strong>Subject:</strong> ${escapeHtml(input.journalistSubject)}</p>
<pre>${escapeHtml(input.journalistText)}</pre>
</main></body>
</html>
`;
}

export interface ApprovalMailOptions {
  from: string;
  to: { email: string; name: string };
  id: string;
  revision: number;
  kind: ApprovalMailKind;
  configurationSet?: string | undefined;
}

/** A proof email: text, HTML and the journalist email attached as a message. */
export function buildProofMessage(
  input: ProofInput,
  journalistEmail: Buffer,
  options: Omit<ApprovalMailOptions, 'kind' | 'id' | 'revision'>,
): Promise<Buffer> {
  return compose(
    {
      ...options,
      id: input.statement.id,
      revision: input.statement.revision,
      kind: 'proof',
    },
    proofSubject(input),
    proofText(input),
    proofHtml(input),
    [
      {
        filename: 'journalist-email.eml',
        content: journalistEmail,
        contentType: 'message/rfc822',
        contentDisposition: 'attachment',
      },
    ],
  );
}

/** A short notice to an approver: a revision was approved (and what went out) or rejected. */
export function buildNoticeMessage(
  subject: string,
  lines: readonly string[],
  options: ApprovalMailOptions,
): Promise<Buffer> {
  const text = `${lines.join('\n')}\n`;
  const html = `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body><main><h1>${escapeHtml(subject)}</h1>
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
</main></body></html>
`;
  return compose(options, subject, text, html, []);
}

function compose(
  options: ApprovalMailOptions,
  subject: string,
  text: string,
  html: string,
  attachments: Array<{
    filename: string;
    content: Buffer;
    contentType: string;
    contentDisposition: 'attachment';
  }>,
): Promise<Buffer> {
  const headers: Record<string, string> = {
    [APPROVAL_HEADER]: `${options.id}; revision=${options.revision}; kind=${options.kind}`,
  };
  if (options.configurationSet) headers['X-SES-CONFIGURATION-SET'] = options.configurationSet;
  // One line: a statement's headline can never break a header (the schema refuses line breaks).
  const composer = new MailComposer({
    from: options.from,
    to: { name: options.to.name, address: options.to.email },
    subject: subject.replace(/[\r\n]+/g, ' '),
    text,
    html,
    headers,
    attachments,
  });
  return new Promise<Buffer>((resolve, reject) => {
    composer.compile().build((error, message) => {
      if (error) reject(new ApprovalMailError(error.message, { cause: error }));
      else resolve(message);
    });
  });
}

/** `<id>; revision=<n>; kind=<kind>` from the approval header, if it is one. */
export function parseApprovalHeader(
  value: string,
): { id: string; revision: number; kind: ApprovalMailKind } | null {
  const match =
    /^\s*([a-z0-9][a-z0-9-]{2,63});\s*revision=(\d+);\s*kind=(proof|approved|rejected)\s*$/i.exec(
      value,
    );
  if (!match?.[1] || !match[2] || !match[3]) return null;
  return {
    id: match[1],
    revision: Number(match[2]),
    kind: match[3].toLowerCase() as ApprovalMailKind,
  };
}
