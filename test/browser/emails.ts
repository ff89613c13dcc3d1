/**
 * The example statements' emails as a journalist opens them: rendered with the
 * embargo still in force (so the banner shows), slots filled as `send` fills
 * them for a journalist with a name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml, renderEmail } from '../../core/render/email';
import { fillSlots } from '../../core/render/slots';
import { parseStatement } from '../../core/statement/parse';

const REPO = join(import.meta.dirname, '..', '..');
export const EXAMPLES_DIR = join(REPO, 'examples', 'statements');

/** Before every example's embargo lifts, so embargoed examples show their banner. */
export const BEFORE_EVERY_LIFT = new Date('2020-01-01T09:00:00Z');

export interface ExampleEmail {
  /** `01-bscp-serious-case-review` */
  name: string;
  html: string;
  embargoed: boolean;
}

export async function exampleEmail(file: string, now = BEFORE_EVERY_LIFT): Promise<ExampleEmail> {
  const parsed = parseStatement(readFileSync(join(EXAMPLES_DIR, file)), { now });
  if (!parsed.ok) throw new Error(`${file} is not valid: ${JSON.stringify(parsed.errors)}`);
  const email = await renderEmail(parsed.statement, parsed.embargo);
  const html = fillSlots(
    email.html,
    {
      greeting: 'Dear Jane Smith,',
      unsubscribeUrl: 'https://unsubscribe.example.org/u?t=sample',
    },
    escapeHtml,
  );
  return {
    name: file.replace(/\.json$/, ''),
    html,
    embargoed: parsed.embargo !== null && parsed.statement.status === 'publish',
  };
}

/** Every example statement's email, in file order. */
export async function exampleEmails(now = BEFORE_EVERY_LIFT): Promise<ExampleEmail[]> {
  const files = readdirSync(EXAMPLES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort();
  return Promise.all(files.map((file) => exampleEmail(file, now)));
}
