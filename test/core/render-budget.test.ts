/**
 * Bodies within LIMITS.body that are mostly markup: an email Gmail would clip
 * goes out with a warning; one past EMAIL_MAX_BYTES is refused with a sentence
 * the comms officer can act on; the plain text must stay bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmailTooLargeError, renderEmail, renderStatementText } from '../../core/render/email';
import { markdownToHtml, markdownToText, REFERENCE_LINK_BUDGET } from '../../core/render/markdown';
import {
  checkRenderBudget,
  EMAIL_MAX_BYTES,
  emailSizeWarnings,
  estimateEmailBytes,
  LONG_EMAIL_BYTES,
} from '../../core/render/size-budget';
import { LIMITS } from '../../core/statement/primitives';
import type { Statement, StatementInput } from '../../core/statement/schema';
import { sampleStatement } from '../fixtures/statements';

const TOO_LARGE =
  /^The email would be (at least )?[\d,]+ KB; Herald sends emails of up to 500 KB, and Gmail already shows only the first 100 KB or so\. Shorten the body or move long material to a linked page\.$/;
const LONG =
  /^The email will be at least [\d,]+ KB, close to or over the 100 KB or so that Gmail shows before it hides the rest behind "View entire message"\. It will still go out; /;

const LONG_URL = `https://www.example.org/${'a'.repeat(2_000)}`;
/** `[a][r]` thousands of times with one 2 KB definition: megabytes once every use is written out. */
const REFERENCE_BOMB = `${'[a][r] '.repeat(4_000)}\n\n[r]: ${LONG_URL}\n`.slice(-30_000);

const toBodyLimit = (body: string) => body.slice(0, LIMITS.body);

const LIST_BOMB = toBodyLimit('- a\n'.repeat(LIMITS.body / 4));
/** Over EMAIL_MAX_BYTES: refused. */
const ABSURD_BODIES: Record<string, string> = {
  [`${(LIMITS.body / 4).toLocaleString('en-GB')} one-word list items`]: LIST_BOMB,
  'deeply nested quotes': toBodyLimit(`${'>'.repeat(99)} a\n\n`.repeat(600)),
};
/** Over Gmail's clip but under EMAIL_MAX_BYTES: sent, with a warning. */
const CLIPPED_BODIES: Record<string, string> = {
  '30,000 ampersands': '&'.repeat(30_000),
  'back-to-back links': toBodyLimit('[a](https://x.io)'.repeat(2_000)),
};

async function htmlBytes(statement: Statement): Promise<number> {
  const email = await renderEmail(statement, null);
  return Buffer.byteLength(email.html.parts.join(''));
}

describe('email size: absurd markup is refused with a clear message', () => {
  it.each(Object.entries(ABSURD_BODIES))('%s', async (_name, body) => {
    const statement = sampleStatement({ body });
    expect(statement.body.length).toBeLessThanOrEqual(LIMITS.body);

    // The MJML-free check (ingest, `herald validate`) already sees it.
    const issues = checkRenderBudget(statement);
    expect(issues).toEqual([{ path: 'body', message: expect.stringMatching(TOO_LARGE) }]);
    expect(issues[0]?.message).toMatch(/^The email would be at least /);
    expect(emailSizeWarnings(statement)).toEqual([]);

    // And rendering refuses too.
    const error = await renderEmail(statement, null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailTooLargeError);
    if (!(error instanceof EmailTooLargeError)) return;
    expect(error.name).toBe('EmailTooLargeError');
    expect(error.bytes).toBeGreaterThanOrEqual(EMAIL_MAX_BYTES);
    expect(error.message).toMatch(TOO_LARGE);
    expect(error.message).toContain(`${Math.ceil(error.bytes / 1000).toLocaleString('en-GB')} KB`);
    expect(error.issue).toEqual({ path: 'body', message: error.message });
  });

  it('names the field that takes the room', () => {
    const statement = sampleStatement({
      notesToEditors: `${'>'.repeat(99)} a\n\n`.repeat(60).slice(0, LIMITS.notesToEditors),
    });
    const [issue] = checkRenderBudget(statement);
    expect(issue?.path).toBe('notesToEditors');
    expect(issue?.message).toMatch(/Shorten the notes to editors or move long material/);
  });

  it('never holds up a withdrawal, whose email shows no Markdown', async () => {
    const statement = sampleStatement({
      status: 'withdraw',
      withdrawalReason: 'Issued in error.',
      body: LIST_BOMB,
    });
    expect(checkRenderBudget(statement)).toEqual([]);
    expect(emailSizeWarnings(statement)).toEqual([]);
    expect(await htmlBytes(statement)).toBeLessThan(LONG_EMAIL_BYTES);
  });
});

describe('email size: long emails go out with a warning', () => {
  it.each(Object.entries(CLIPPED_BODIES))('%s', async (_name, body) => {
    const statement = sampleStatement({ body });
    expect(checkRenderBudget(statement)).toEqual([]);
    expect(emailSizeWarnings(statement)).toEqual([
      { path: 'body', message: expect.stringMatching(LONG) },
    ]);
    const bytes = await htmlBytes(statement);
    expect(bytes).toBeGreaterThanOrEqual(LONG_EMAIL_BYTES);
    expect(bytes).toBeLessThan(EMAIL_MAX_BYTES);
  });

  it('does not warn about an ordinary statement', () => {
    expect(emailSizeWarnings(sampleStatement())).toEqual([]);
  });
});

describe('email size: reference-style links cannot multiply a URL', () => {
  const statement = sampleStatement({ body: REFERENCE_BOMB });

  it('is reported by the MJML-free check', () => {
    expect(checkRenderBudget(statement)).toEqual([
      {
        path: 'body',
        message: expect.stringMatching(
          /^The body repeats reference-style links \(\[text\]\[name\]\) so often that their web addresses add up to [\d,]+ characters, each use writing the address out again; Herald allows 30,000\. /,
        ),
      },
    ]);
  });

  it('renders the uses past the budget as their label, so the email stays under 100 KB', async () => {
    const html = markdownToHtml(statement.body, { headingLevel: 2 }).toString();
    const links = html.split('<a ').length - 1;
    expect(links).toBe(Math.floor(REFERENCE_LINK_BUDGET / LONG_URL.length));
    expect(await htmlBytes(statement)).toBeLessThan(EMAIL_MAX_BYTES);
  });

  it('keeps renderStatementText bounded: the body plus at most the budget', () => {
    const text = renderStatementText(statement, null);
    const withoutBody = renderStatementText(sampleStatement({ body: 'a' }), null);
    expect(text.length).toBeLessThan(
      withoutBody.length + LIMITS.body + REFERENCE_LINK_BUDGET + 2 * LONG_URL.length,
    );
  });

  it('bounds the text for any number of uses and any address length', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 10, max: 5_000 }),
        fc.constantFrom('[a][r]', '[r]', '[r][]', '[a\\]][r]'),
        (uses, length, use) => {
          const url = `https://www.example.org/${'b'.repeat(length)}`;
          const source = `${`${use} `.repeat(uses)}\n\n[r]: ${url}\n`;
          const text = markdownToText(source);
          // Every use shows its label; only the budget's worth of addresses is written out.
          expect(text.length).toBeLessThanOrEqual(
            3 * source.length + REFERENCE_LINK_BUDGET + url.length,
          );
          expect(text.split(url).length - 1).toBeLessThanOrEqual(
            Math.max(1, Math.floor(REFERENCE_LINK_BUDGET / url.length)),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('still links a reference used a few times', () => {
    const text = markdownToText(
      'See [the review][r] and [its summary][r].\n\n[r]: https://www.example.org/review',
    );
    expect(text).toBe(
      'See the review: https://www.example.org/review and its summary:\nhttps://www.example.org/review.',
    );
  });
});

describe('email size: the MJML-free estimate', () => {
  const PIECES = [
    'word ',
    'Ünïcödé ',
    '& ',
    '"quoted" ',
    '<b>raw</b> ',
    '*em* ',
    '**strong** ',
    '[a link](https://www.example.org/x?a=1&b=2) ',
    '[ref][r] ',
    '`code` ',
    '\n',
    '\n\n',
    '\n- ',
    '\n1. ',
    '\n> ',
    '\n## ',
    '\n---\n',
  ];
  const markdown = (max: number) =>
    fc
      .array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 400 })
      .map((parts) => `Start ${parts.join('')}\n\n[r]: https://www.example.org/ref`.slice(0, max));

  it('is a lower bound on the real HTML size, so it never refuses an email that fits', async () => {
    await fc.assert(
      fc.asyncProperty(
        markdown(LIMITS.body),
        fc.option(markdown(LIMITS.callout), { nil: undefined }),
        fc.option(markdown(LIMITS.notesToEditors), { nil: undefined }),
        fc.boolean(),
        fc.constantFrom('en-GB', 'ar', 'cy'),
        async (body, callout, notesToEditors, subheading, language) => {
          const overrides: Partial<StatementInput> = { body, callout, notesToEditors, language };
          if (!subheading) overrides.subheading = undefined;
          const statement = sampleStatement(overrides);
          const actual = await htmlBytes(statement);
          const estimate = estimateEmailBytes(statement);
          expect(estimate).toBeLessThanOrEqual(actual);
          // …and a useful one: the template adds a few KB, no more.
          expect(actual - estimate).toBeLessThan(10_000);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('leaves the near-limit cases to the real render, which refuses them too', async () => {
    // One-word list items, as many as keep the estimate under the limit: the real
    // email (with its head, sections and footer) is over it.
    const estimate = (items: number) =>
      estimateEmailBytes(sampleStatement({ body: '- a\n'.repeat(items) }));
    const perItem = estimate(2) - estimate(1);
    let items = Math.floor((EMAIL_MAX_BYTES - estimate(1)) / perItem);
    while (estimate(items) >= EMAIL_MAX_BYTES) items--;
    const statement = sampleStatement({ body: '- a\n'.repeat(items) });
    expect(checkRenderBudget(statement)).toEqual([]);
    const error = await renderEmail(statement, null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmailTooLargeError);
    expect(error instanceof EmailTooLargeError && error.message).toMatch(
      /^The email would be 50\d KB; /,
    );
  });
});
