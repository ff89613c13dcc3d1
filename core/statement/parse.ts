/**
 * Bytes of an uploaded statement file → a validated Statement, or every error
 * at once (the format: docs/statement-format.md). Pure: no I/O. Never throws
 * for bad input. What the embargo does (and its warnings) is the lifecycle's
 * decision (core/lifecycle), not the parser's: `embargo` here is only the lift
 * as written, if it is still ahead.
 */
import { createHash } from 'node:crypto';
import { emailSizeWarnings } from '../render/size-budget';
import type { EmbargoInfo, Issue } from '../types';
import { plainEnglishErrors, sortIssues, toIssues } from '../validation/issues';
import { readJsonObject, toBytes } from '../validation/json';
import { DEFAULT_TIMEZONE, resolveEmbargo } from './embargo';
import { MAX_STATEMENT_BYTES } from './primitives';
import { type Statement, statementSchema } from './schema';

export type StatementParseResult =
  | {
      ok: true;
      statement: Statement;
      embargo: EmbargoInfo | null;
      warnings: Issue[];
      sha256: string;
    }
  | { ok: false; errors: Issue[]; warnings: Issue[] };

export interface ParseStatementOptions {
  /** The processing time: decides whether the embargo is still in force. */
  now: Date;
  /** Zone for an embargo without `timezone` (the config's timezone); default Europe/London. */
  defaultTimezone?: string;
}

/** What to add for each missing required field, by path (`*` = any list index). */
const REQUIRED_HINTS: Readonly<Record<string, string>> = {
  id: 'add "id": a short name for this statement in lower-case letters, digits and dashes, like "bscp-2024-02-scr". Keep it the same for every revision.',
  organisation: 'add "organisation": {"name": "…"} for the organisation issuing the statement.',
  'organisation.name': 'add "name": the organisation\'s full name.',
  issued: 'add "issued": the date the statement is issued, like "2024-02-21".',
  headline: 'add "headline": one line of up to 140 characters.',
  body: 'add "body": the text of the statement (Markdown: blank lines between paragraphs, "- " for list items).',
  mediaContact:
    'add "mediaContact": {"name": "…", "email": "…", "phone": "…"} so journalists know whom to ask.',
  'mediaContact.name': 'add "name": the person journalists should contact.',
  'signoff.name': 'add "name": the person the statement is from, or remove "signoff".',
  'embargo.until':
    'add "until": the lift time with its offset, like "2024-02-21T00:01:00Z", or remove "embargo".',
  'links.*.label': 'add "label": the text the link is shown with.',
  'links.*.url': 'add "url": the https:// address the link points to.',
};

export function parseStatement(
  input: Uint8Array | string,
  options: ParseStatementOptions,
): StatementParseResult {
  const bytes = toBytes(input);
  const read = readJsonObject(bytes, { maxBytes: MAX_STATEMENT_BYTES, noun: 'statement' });
  if (!read.ok) return { ok: false, errors: read.errors, warnings: [] };

  const { value, offsets } = read.document;
  const warnings = fieldWarnings(value);
  const result = statementSchema.safeParse(value, { error: plainEnglishErrors });
  const errors = sortIssues(
    [
      ...read.document.issues,
      ...(result.success
        ? []
        : toIssues(result.error.issues, {
            schema: statementSchema,
            input: value,
            requiredHints: REQUIRED_HINTS,
          })),
    ],
    offsets,
  );
  if (!result.success || errors.length > 0) {
    return { ok: false, errors, warnings: sortIssues(warnings, offsets) };
  }

  const statement = result.data;
  const resolved = resolveEmbargo(
    statement,
    options.now,
    options.defaultTimezone ?? DEFAULT_TIMEZONE,
  );
  warnings.push(
    ...channelWarnings(statement),
    // A long email goes out, but Gmail clips it: worth knowing before journalists see it.
    ...(statement.channels?.press === false ? [] : emailSizeWarnings(statement)),
  );
  return {
    ok: true,
    statement,
    embargo: resolved.embargo,
    warnings: sortIssues(warnings, offsets),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** Fields that are valid but will be ignored: worth telling the author before journalists notice. */
function fieldWarnings(raw: Record<string, unknown>): Issue[] {
  const warnings: Issue[] = [];
  const revision = raw.revision ?? 1;
  const status = raw.status ?? 'publish';
  if (typeof raw.correction === 'string' && revision === 1 && status === 'publish') {
    warnings.push({
      path: 'correction',
      message:
        'correction is ignored on revision 1: it is shown only when a corrected statement is sent as revision 2 or later. Remove it, or bump "revision".',
    });
  }
  if (typeof raw.withdrawalReason === 'string' && status === 'publish') {
    warnings.push({
      path: 'withdrawalReason',
      message:
        'withdrawalReason is ignored because status is "publish"; set "status": "withdraw" to withdraw the statement, or remove it.',
    });
  }
  return warnings;
}

function channelWarnings(statement: Statement): Issue[] {
  const c = statement.channels;
  if (c && !c.press && !c.partners && !c.website && statement.status === 'publish') {
    return [
      {
        path: 'channels',
        message:
          'Every channel is turned off, so nothing will be sent: no press email, no partner message, no website update.',
      },
    ];
  }
  return [];
}
