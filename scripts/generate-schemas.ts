/**
 * Writes the JSON Schemas in schemas/ from the zod schemas (npm run schemas),
 * so editors offer completion and checks for `"$schema"` files. The zod
 * schemas stay the single source of truth; test/core/schemas.test.ts fails
 * when the committed files are stale.
 *
 * Custom checks (real dates, https-only links, "correction when revision > 1")
 * cannot be expressed in JSON Schema: the generated schema is a helpful
 * subset, and Herald's validator has the final word.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../core/config/schema';
import { partnerMessageSchema } from '../core/envelope/schema';
import { HeraldError } from '../core/errors';
import { statementSchema } from '../core/statement/schema';

type JsonObject = { [key: string]: unknown };

interface SchemaEntry {
  file: string;
  schema: z.core.$ZodType;
  /** `input` for files people write (defaults optional), `output` for messages Herald sends. */
  io: 'input' | 'output';
  title: string;
  description: string;
  /** Extra keywords by dotted property path (`links.*.url`): editor hints the zod checks cannot express. */
  annotations?: Record<string, JsonObject>;
}

const STATEMENT_ANNOTATIONS: Record<string, JsonObject> = {
  $schema: { description: 'Path or URL of this JSON Schema, for editor completion.' },
  schemaVersion: { description: 'Statement format version; always 1.' },
  id: { description: 'Stable identifier, the same for every revision, e.g. "bscp-2024-02-scr".' },
  revision: { description: 'Starts at 1; bump it by one for each correction.' },
  status: { description: '"publish", or "withdraw" to withdraw a statement already sent.' },
  correction: { description: 'Required when revision > 1: what changed, for journalists.' },
  withdrawalReason: { description: 'Required when status is "withdraw": why, for journalists.' },
  kind: { description: 'Shown as the email label, e.g. "Partnership statement".' },
  reference: { description: 'Your reference, e.g. "BSCB 2018-19/01".' },
  organisation: { description: 'The organisation issuing the statement.' },
  'organisation.website': { format: 'uri', pattern: '^https://' },
  'organisation.logoUrl': { format: 'uri', pattern: '^https://' },
  issued: { description: 'Date of issue, YYYY-MM-DD.', format: 'date' },
  embargo: { description: 'Not for publication before this time. Leave out if not embargoed.' },
  'embargo.until': {
    description: 'Lift time with offset or Z, e.g. "2024-02-21T00:01:00Z".',
    format: 'date-time',
  },
  'embargo.timezone': { description: 'IANA zone the time is shown in; default Europe/London.' },
  language: { description: 'BCP 47 language tag of the text, e.g. "en-GB", "cy".' },
  headline: { description: 'One line, up to 140 characters.' },
  subheading: { description: 'One line under the headline.' },
  summary: { description: 'Email preheader and social lead; the first paragraph if left out.' },
  body: { description: 'The statement in Markdown. Raw HTML is shown as text.' },
  signoff: { description: 'Who the statement is from, e.g. the chair.' },
  callout: { description: 'Highlighted box in Markdown, e.g. a helpline.' },
  notesToEditors: { description: 'Notes to editors in Markdown.' },
  mediaContact: { description: 'Who journalists should contact: an email or a phone (or both).' },
  'mediaContact.email': { format: 'email' },
  links: { description: 'Up to 10 related links.' },
  'links.*.url': { format: 'uri', pattern: '^https://' },
  topics: { description: 'Slugs for press-list targeting and partner filtering.' },
  channels: { description: 'Turn a channel off with false; all are on by default.' },
  social: { description: 'Hashtags (without #), link and per-platform text overrides.' },
  'social.url': { format: 'uri', pattern: '^https://' },
};

const CONFIG_ANNOTATIONS: Record<string, JsonObject> = {
  'partners.accounts': {
    deprecated: true,
    description:
      'No longer supported: partners cannot subscribe to the topic themselves. Leave it out and list each partner in partners.subscriptions (docs/partners.md).',
  },
  approval: {
    description:
      'Leave out to send every valid statement at once. With it, each approver gets a proof email and nothing goes out until `required` of them approved (docs/deploy.md, "Approval").',
  },
  'approval.required': { description: 'How many different approvers must approve (default 1).' },
  'approval.withdrawals': {
    description:
      '"immediate" (default): a withdrawal goes out at once. "approve": it waits for approval like a publication.',
  },
  'approval.linkValidityHours': {
    description: 'How long the Approve and Reject links in a proof email work (default 72).',
  },
  'sender.displayName': {
    description:
      'The From name on the sender.from address: "organisation" (the statement\'s organisation name, default), "shortName" (its short name when it has one) or "fixed" (the name in sender.from).',
  },
};

/** Every schema written to schemas/, in one list so adding one is one entry. */
export const SCHEMAS: readonly SchemaEntry[] = [
  {
    file: 'statement.schema.json',
    schema: statementSchema,
    io: 'input',
    title: 'Herald statement',
    description:
      'A press statement for Herald to check, render and send (format v1: docs/statement-format.md). Generated from core/statement/schema.ts by `npm run schemas`; Herald also checks rules this schema cannot express (real dates, https-only links, a correction note on revisions).',
    annotations: STATEMENT_ANNOTATIONS,
  },
  {
    file: 'config.schema.json',
    schema: configSchema,
    io: 'input',
    title: 'Herald configuration',
    description:
      'herald.config.json, read by the CDK app and the local stack (docs/deploy.md). Generated from core/config/schema.ts by `npm run schemas`.',
    annotations: CONFIG_ANNOTATIONS,
  },
  {
    file: 'partner-message.schema.json',
    schema: partnerMessageSchema,
    io: 'output',
    title: 'Herald partner message',
    description:
      'The JSON envelope Herald publishes to partner agencies (docs/partners.md). Generated from core/envelope/schema.ts by `npm run schemas`.',
  },
];

const SCHEMA_BASE = 'https://herald.invalid/schemas/';

/** File name → JSON text (2-space indent, trailing newline) for every schema. */
export function generateSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of SCHEMAS) {
    const generated = z.toJSONSchema(entry.schema, {
      io: entry.io,
      target: 'draft-2020-12',
      // Refinements are skipped (they have no JSON Schema form); any other type
      // JSON Schema cannot express fails the build (zod's default), so a schema
      // never silently turns into {} for partners.
    }) as JsonObject;
    const { $schema, ...rest } = generated;
    for (const [path, extra] of Object.entries(entry.annotations ?? {})) {
      annotate(rest, path, extra, entry.file);
    }
    const document = {
      $schema,
      $id: `${SCHEMA_BASE}${entry.file}`,
      title: entry.title,
      description: entry.description,
      ...rest,
    };
    out[entry.file] = `${JSON.stringify(document, null, 2)}\n`;
  }
  return out;
}

/** Adds keywords at a property path; a path the schema does not have is a mistake here. */
function annotate(root: JsonObject, path: string, extra: JsonObject, file: string): void {
  let node: JsonObject = root;
  for (const segment of path.split('.')) {
    const next =
      segment === '*' ? node.items : (node.properties as JsonObject | undefined)?.[segment];
    if (typeof next !== 'object' || next === null) {
      throw new HeraldError(
        `${file}: no property "${path}" to annotate; update scripts/generate-schemas.ts.`,
      );
    }
    node = next as JsonObject;
  }
  Object.assign(node, extra);
}

function main(): void {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
  for (const [file, text] of Object.entries(generateSchemas())) {
    writeFileSync(join(dir, file), text);
    console.log(`wrote schemas/${file}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
