/**
 * Every statement field is author text: none of it may add markup, scripts,
 * MJML components, dangerous links or slots to the email. Fixed hostile cases
 * first, then fast-check properties over hostile strings in every text field.
 */
import * as cheerio from 'cheerio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderEmail } from '../../core/render/email';
import { escapeAttribute, mjml, trusted } from '../../core/render/mjml-tag';
import { fillSlots, type SlotValues } from '../../core/render/slots';
import { type Statement, type StatementInput, statementSchema } from '../../core/statement/schema';
import { sampleInput, sampleStatement } from '../fixtures/statements';

const VALUES: SlotValues = {
  greeting: 'Dear Jane Smith,',
  unsubscribeUrl: 'https://herald.example.org/unsubscribe?t=abc',
};
const EMBARGO = {
  until: '2024-02-21T00:01:00.000Z',
  timezone: 'Europe/London',
  display: '00:01 GMT, Wednesday 21 February 2024',
};

async function renderHtml(statement: Statement) {
  const email = await renderEmail(statement, EMBARGO);
  const html = fillSlots(email.html, VALUES, escapeHtml);
  const text = fillSlots(email.text, VALUES);
  return { email, html, text, $: cheerio.load(html) };
}

/** Every element in the document (text and comment nodes left out). */
function elements($: cheerio.CheerioAPI) {
  return $('*')
    .toArray()
    .flatMap((node) => ('tagName' in node ? [node] : []));
}

function tagNames($: cheerio.CheerioAPI): Set<string> {
  return new Set(elements($).map((el) => el.tagName.toLowerCase()));
}

/** Attributes that would run script or load something the author chose. */
function dangerousAttributes($: cheerio.CheerioAPI): string[] {
  const found: string[] = [];
  for (const el of elements($)) {
    for (const [name, value] of Object.entries(el.attribs)) {
      const v = value.trim().toLowerCase();
      if (/^on/i.test(name)) found.push(`${el.tagName}[${name}]`);
      if (/^(javascript|data|vbscript):/.test(v)) found.push(`${el.tagName}[${name}=${value}]`);
      if (name === 'href' && !/^(https:\/\/|mailto:|tel:)/.test(v)) found.push(`a[href=${value}]`);
    }
  }
  return found;
}

describe('mjml tagged template', () => {
  it('escapes interpolations and passes trusted markup and fragments through', () => {
    const name = `<b title="x">'&'</b>`;
    const out = mjml`<mj-text title="${name}">${name}${trusted('<em>ok</em>')}${[
      mjml`<i>${'<'}</i>`,
      '>',
    ]}${null}${false}${undefined}${3}</mj-text>`.toString();
    expect(out).toBe(
      '<mj-text title="&lt;b title=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;">&lt;b title=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;<em>ok</em><i>&lt;</i>&gt;3</mj-text>',
    );
  });

  it('escapes only what HTML needs', () => {
    expect(escapeHtml('{{x}} ]]> `=` é\u2028')).toBe('{{x}} ]]&gt; `=` é\u2028');
    expect(escapeAttribute(`"'`)).toBe('&quot;&#39;');
  });

  it('does not accept a look-alike object as trusted', () => {
    const fake = { toString: () => '<script>' } as unknown as string;
    expect(mjml`${fake}`.toString()).toBe('&lt;script&gt;');
  });
});

describe('hostile text: fixed cases', () => {
  it('keeps MJML closing tags and scripts in the headline as text', async () => {
    const headline = '</mj-text><mj-raw><script>alert(1)</script></mj-raw>';
    const { $, email, html } = await renderHtml(sampleStatement({ headline }));
    expect($('h1').text()).toBe(headline);
    expect($('script')).toHaveLength(0);
    expect(html).not.toMatch(/<\/?mj-/);
    expect($('title').text()).toBe(email.subject);
  });

  it('keeps quotes in the headline intact in <title> and the aria-label', async () => {
    const headline = `Minister says "no" and 'yes' & more`;
    const { $, email } = await renderHtml(sampleStatement({ headline }));
    expect($('h1').text()).toBe(headline);
    expect($('title').text()).toBe(email.subject);
    expect($('[role="article"]').attr('aria-label')).toBe(email.subject);
    expect(email.subject.endsWith(headline)).toBe(true);
  });

  it('shows an <img onerror> in any field as text', async () => {
    const payload = '<img src=x onerror=alert(1)>';
    const { $ } = await renderHtml(
      sampleStatement({
        subheading: payload,
        body: `Body ${payload}`,
        callout: payload,
        reference: payload.slice(0, 60),
        signoff: { name: payload },
      }),
    );
    expect($('img')).toHaveLength(0);
    expect(dangerousAttributes($)).toEqual([]);
    expect($('h2').first().text()).toBe(payload);
    expect($('body').text()).toContain(`Body ${payload}`);
  });

  it('shows raw HTML in Markdown as text', async () => {
    const { $ } = await renderHtml(
      sampleStatement({
        body: '<b>bold</b>\n\n<div onclick="x()">block</div>\n\n<!-- comment -->',
      }),
    );
    expect($('b')).toHaveLength(0);
    expect($('[onclick]')).toHaveLength(0);
    const page = $('body').text();
    expect(page).toContain('<b>bold</b>');
    expect(page).toContain('<div onclick="x()">block</div>');
    expect(page).toContain('<!-- comment -->');
  });

  it('renders only https, mailto and tel Markdown links; the rest stays text', async () => {
    const body = [
      '[script](javascript:alert(1))',
      '[data](data:text/html;base64,PHNjcmlwdD4=)',
      '[vb](vbscript:msgbox(1))',
      '[plain http](http://www.example.org/)',
      '[relative](/about)',
      '[empty]()',
      '<javascript:alert(1)>',
      '[ref][bad]',
      '',
      '[bad]: javascript:alert(1)',
      '',
      '[good](https://www.example.org/ok) [mail](mailto:press@example.org) [call](tel:+441213031888)',
    ].join(' ');
    const { $ } = await renderHtml(sampleStatement({ body }));
    expect(dangerousAttributes($)).toEqual([]);
    const bodyLinks = $('a')
      .toArray()
      .map((a) => $(a).text());
    for (const label of ['script', 'data', 'vb', 'plain http', 'relative', 'empty', 'ref']) {
      expect(bodyLinks).not.toContain(label);
    }
    expect($('a:contains("good")').attr('href')).toBe('https://www.example.org/ok');
    expect($('a:contains("mail")').attr('href')).toBe('mailto:press@example.org');
    expect($('a:contains("call")').attr('href')).toBe('tel:+441213031888');
    expect($('body').text()).toContain('[script](javascript:alert(1))');
  });

  it('keeps template braces and CDATA ends as text', async () => {
    const headline = 'Hello {{name}} [[x]] ]]> {% if %}';
    const { $ } = await renderHtml(sampleStatement({ headline, body: '{{ unsubscribe }} ]]>' }));
    expect($('h1').text()).toBe(headline);
    expect($('body').text()).toContain('{{ unsubscribe }} ]]>');
  });

  it('does not decode entities the author typed', async () => {
    const headline = 'Fish &amp; chips &#60;3';
    const { $, text } = await renderHtml(sampleStatement({ headline }));
    expect($('h1').text()).toBe(headline);
    expect(text).toContain(headline);
  });

  it('keeps hostile text literal (not escaped) in the plain-text part', async () => {
    const headline = '<b>Tom & "Jerry"</b>';
    const { text } = await renderHtml(sampleStatement({ headline }));
    expect(text).toContain(`${headline}\n${'='.repeat(headline.length)}`);
  });

  it('percent-encodes a media contact address so it cannot add mailto headers', async () => {
    const { $ } = await renderHtml(
      sampleStatement({ mediaContact: { name: 'Press', email: 'press?cc=all@example.org' } }),
    );
    expect($('a[href^="mailto:"]').attr('href')).toBe('mailto:press%3Fcc%3Dall@example.org');
  });
});

// ---------------------------------------------------------------------------
// Properties

const FRAGMENTS = [
  '<',
  '>',
  '"',
  "'",
  '&',
  '</mj-',
  '<mj-raw>',
  '</mj-text>',
  '<script>',
  '</p>',
  'javascript:',
  'data:text/html,',
  '\u2028',
  '{{',
  '}}',
  ']]>',
  '<!--',
  '&amp;',
  '&#x3C;',
  ' onerror=',
  '[x](javascript:alert(1))',
  '<img src=x onerror=alert(1)>',
  'herald-slot-',
  // Markdown structure, so the Markdown fields get lists, quotes, headings and links too.
  '\n',
  '\n\n',
  '- ',
  '1. ',
  '> ',
  '# ',
  '*',
  '`',
  '[a](https://www.example.org/x?a="b")',
  // Phone numbers (the callout links them) and look-alikes of the no-break markup.
  '0121 303 1888',
  '+44 (0)121 303 1888',
  '<span style="white-space:nowrap">',
  '<wbr>',
  ' · ',
];

const hostile = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((parts) => parts.join(''));

type Field = {
  name: string;
  markdown: boolean;
  /** The statement this field is tested in (a withdrawal for withdrawalReason, …). */
  base: () => StatementInput;
  set: (input: StatementInput, value: string) => StatementInput;
};

const publish = sampleInput;
const correction = (): StatementInput => ({ ...sampleInput(), revision: 2, correction: 'Fixed.' });
const withdrawal = (): StatementInput => ({
  ...sampleInput(),
  status: 'withdraw',
  withdrawalReason: 'Postponed.',
});
const top =
  (
    key:
      | 'headline'
      | 'subheading'
      | 'summary'
      | 'body'
      | 'callout'
      | 'notesToEditors'
      | 'reference',
  ) =>
  (input: StatementInput, value: string): StatementInput => ({ ...input, [key]: value });

const FIELDS: Field[] = [
  { name: 'headline', markdown: false, base: publish, set: top('headline') },
  { name: 'subheading', markdown: false, base: publish, set: top('subheading') },
  { name: 'summary', markdown: false, base: publish, set: top('summary') },
  { name: 'reference', markdown: false, base: publish, set: top('reference') },
  { name: 'body', markdown: true, base: publish, set: top('body') },
  { name: 'callout', markdown: true, base: publish, set: top('callout') },
  { name: 'notesToEditors', markdown: true, base: publish, set: top('notesToEditors') },
  {
    name: 'organisation.name',
    markdown: false,
    base: publish,
    set: (i, v) => ({ ...i, organisation: { ...i.organisation, name: v } }),
  },
  {
    name: 'signoff.name',
    markdown: false,
    base: publish,
    set: (i, v) => ({ ...i, signoff: { name: v, role: 'Chair' } }),
  },
  {
    name: 'signoff.role',
    markdown: false,
    base: publish,
    set: (i, v) => ({ ...i, signoff: { name: 'Penny Thompson', role: v } }),
  },
  {
    name: 'mediaContact.name',
    markdown: false,
    base: publish,
    set: (i, v) => ({ ...i, mediaContact: { ...i.mediaContact, name: v } }),
  },
  {
    name: 'mediaContact.role',
    markdown: false,
    base: publish,
    set: (i, v) => ({ ...i, mediaContact: { ...i.mediaContact, role: v } }),
  },
  {
    name: 'links.label',
    markdown: false,
    base: publish,
    set: (i, v) => ({ ...i, links: [{ label: v, url: 'https://www.example.org/a' }] }),
  },
  {
    name: 'correction',
    markdown: false,
    base: correction,
    set: (i, v) => ({ ...i, correction: v }),
  },
  {
    name: 'withdrawalReason',
    markdown: false,
    base: withdrawal,
    set: (i, v) => ({ ...i, withdrawalReason: v }),
  },
];

/** Every element Markdown may produce, rendered once from a statement that uses them all. */
async function markdownTags(): Promise<Set<string>> {
  const all =
    '# h\n\n## h\n\n### h\n\n*e* **s** `c` [a](https://www.example.org)\\\nx\n\n- l\n\n1. n\n\n> q\n\n***';
  const { $ } = await renderHtml(sampleStatement({ body: all, callout: all, notesToEditors: all }));
  return tagNames($);
}

describe('hostile text: properties', () => {
  for (const field of FIELDS) {
    it(`${field.name}: adds no elements, no script URLs or handlers, and keeps the headline text`, async () => {
      const benign = await renderHtml(statementSchema.parse(field.base()));
      const allowed = tagNames(benign.$);
      if (field.markdown) for (const tag of await markdownTags()) allowed.add(tag);

      await fc.assert(
        fc.asyncProperty(hostile, async (value) => {
          const parsed = statementSchema.safeParse(field.set(field.base(), value));
          fc.pre(parsed.success);
          if (!parsed.success) return;
          const statement = parsed.data;
          const { $, email } = await renderHtml(statement);

          const tags = tagNames($);
          if (field.markdown) {
            expect([...tags].filter((t) => !allowed.has(t))).toEqual([]);
          } else {
            expect([...tags].sort()).toEqual([...allowed].sort());
          }
          expect(dangerousAttributes($)).toEqual([]);
          expect($('h1')).toHaveLength(1);
          expect($('h1').text()).toBe(statement.headline);
          expect(email.html.slots).toEqual(['greeting', 'unsubscribeUrl']);
          expect(email.text.slots).toEqual(['greeting', 'unsubscribeUrl']);
          // Links Herald adds to author text are tel: links whose text is a number the author wrote.
          for (const a of $('a[href^="tel:"]').toArray()) {
            expect($(a).text()).toMatch(/^\+?[\d ()\u00a0]+$/);
          }
        }),
        { numRuns: 30 },
      );
    });
  }
});
