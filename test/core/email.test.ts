/**
 * The press email as a journalist sees it: subject, HTML (read with cheerio)
 * and the plain-text part.
 */
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import {
  emailSubject,
  escapeHtml,
  renderEmail,
  renderStatementText,
  summaryOf,
} from '../../core/render/email';
import { fillSlots, type SlotValues } from '../../core/render/slots';
import { resolveEmbargo } from '../../core/statement/embargo';
import { type Statement, type StatementInput, statementSchema } from '../../core/statement/schema';
import { sampleInput, sampleStatement } from '../fixtures/statements';

const BEFORE_LIFT = new Date('2024-02-01T09:00:00Z');
const DISPLAY = '00:01 GMT, Wednesday 21 February 2024';
const UNSUBSCRIBE = 'https://herald.example.org/unsubscribe?t=abc&r=1';
const VALUES: SlotValues = { greeting: 'Dear Jane Smith,', unsubscribeUrl: UNSUBSCRIBE };

async function render(overrides: Partial<StatementInput> = {}, now = BEFORE_LIFT, values = VALUES) {
  const statement = sampleStatement(overrides);
  const { embargo } = resolveEmbargo(statement, now);
  const email = await renderEmail(statement, embargo);
  const html = fillSlots(email.html, values, escapeHtml);
  const text = fillSlots(email.text, values);
  return { statement, embargo, email, html, text, $: cheerio.load(html) };
}

/** The inbox preview: MJML's hidden div right after <body>. */
function preheader($: cheerio.CheerioAPI): string {
  return $('body > div')
    .filter((_, el) => ($(el).attr('style') ?? '').includes('display:none'))
    .first()
    .text();
}

function px(style: string, property: string): number | null {
  const m = new RegExp(`(?:^|;)\\s*${property}\\s*:\\s*([\\d.]+)px`).exec(style);
  return m ? Number(m[1]) : null;
}

describe('press email: document', () => {
  it('sets html lang (and dir) from the statement language', async () => {
    const { $ } = await render();
    expect($('html').attr('lang')).toBe('en-GB');
    expect($('html').attr('dir')).toBe('ltr');
    const welsh = await render({ language: 'cy' });
    expect(welsh.$('html').attr('lang')).toBe('cy');
    const arabic = await render({ language: 'ar' });
    expect(arabic.$('html').attr('dir')).toBe('rtl');
  });

  it('has exactly one h1, the headline, and no skipped heading levels', async () => {
    const { $, statement } = await render({
      body: '# Background\n\nText.\n\n## Detail\n\nMore.\n\n#### Deep\n\nDeeper.',
      notesToEditors: '# About us\n\nWe are a partnership.',
    });
    expect($('h1')).toHaveLength(1);
    expect($('h1').text()).toBe(statement.headline);
    const levels = $('h1, h2, h3, h4, h5, h6')
      .toArray()
      .map((el) => Number(el.tagName.slice(1)));
    for (let i = 1; i < levels.length; i++) {
      expect(levels[i] as number).toBeLessThanOrEqual((levels[i - 1] as number) + 1);
    }
    expect($('h3').first().text()).toBe('Background'); // under the subheading (h2)
    expect(
      $('h2')
        .toArray()
        .map((h) => $(h).text()),
    ).toEqual(expect.arrayContaining(['Further information', 'Notes to editors', 'Media contact']));
  });

  it('shifts body headings to h2 when there is no subheading', async () => {
    const input = sampleInput();
    delete input.subheading;
    const statement = statementSchema.parse({ ...input, body: '# Background\n\nText.' });
    const email = await renderEmail(statement, null);
    const $ = cheerio.load(fillSlots(email.html, VALUES, escapeHtml));
    expect($('h2').first().text()).toBe('Background');
  });

  it('shows kind, reference, issue date in the statement language, and organisation', async () => {
    const { $ } = await render();
    const text = $('body').text();
    expect(text).toContain('Partnership statement');
    expect(text).toContain('BSCB 2018-19/01');
    expect(text).toContain('21 February 2024');
    expect(text).toContain('Birmingham Safeguarding Children Partnership');
    const french = await render({ language: 'fr' });
    expect(french.$('body').text()).toContain('21 février 2024');
  });

  it('uses no web fonts, a system font stack, ≤ 600px width', async () => {
    const { html, $ } = await render();
    expect(html).not.toContain('fonts.googleapis.com');
    expect(html).not.toMatch(/@import|<link/i);
    expect($('[style*="font-family"]').first().attr('style')).toContain('Arial');
    for (const el of $('[style*="width"]').toArray()) {
      const style = $(el).attr('style') ?? '';
      for (const m of style.matchAll(/(?:^|;)\s*(?:max-)?width\s*:\s*(\d+)px/g)) {
        expect(Number(m[1])).toBeLessThanOrEqual(600);
      }
    }
    for (const el of $('[width]').toArray()) {
      expect(Number.parseInt($(el).attr('width') ?? '0', 10)).toBeLessThanOrEqual(600);
    }
  });

  it('sets every visible text at ≥ 16px with line-height ≥ 1.4', async () => {
    const { $ } = await render({
      body: 'Para with *em* and `code`.\n\n- item\n\n> quote\n\n#### small heading',
    });
    let checked = 0;
    $('body *').each((_, el) => {
      const $el = $(el);
      const ownText = $el
        .contents()
        .toArray()
        .some((n) => n.type === 'text' && (n as unknown as { data: string }).data.trim() !== '');
      if (!ownText) return;
      if ($el.closest('[style*="display:none"]').length > 0) return; // the hidden preheader
      const sized = [el, ...$el.parents().toArray()].find(
        (node) => px($(node).attr('style') ?? '', 'font-size') !== null,
      );
      expect(sized, `no font-size above <${el.tagName}>`).toBeDefined();
      const size = px($(sized).attr('style') ?? '', 'font-size') ?? 0;
      expect(size, `<${el.tagName}> "${$el.text().slice(0, 40)}"`).toBeGreaterThanOrEqual(16);
      checked++;
    });
    expect(checked).toBeGreaterThan(10);
    $('div[style*="font-size:18px"]').each((_, el) => {
      const lh = /line-height:([\d.]+)(;|$)/.exec($(el).attr('style') ?? '');
      expect(Number(lh?.[1])).toBeGreaterThanOrEqual(1.4);
    });
  });

  it('has a preheader from the summary, ≤ 256 characters, not the headline', async () => {
    const { $, statement } = await render();
    const pre = preheader($);
    expect(pre).toMatch(/^Birmingham Safeguarding Children Partnership have today published/);
    expect(pre.length).toBeLessThanOrEqual(256);
    expect(pre).not.toBe(statement.headline);
    const same = await render({ summary: 'Publication of a Serious Case Review' });
    expect(preheader(same.$)).not.toBe('Publication of a Serious Case Review');
    expect(preheader(same.$).length).toBeGreaterThan(0);
  });

  it('marks every layout table as presentational', async () => {
    const { $ } = await render();
    for (const table of $('table').toArray()) {
      expect($(table).attr('role')).toBe('presentation');
    }
  });

  it('has a logo only when given, with the organisation as alt text', async () => {
    const { $ } = await render();
    expect($('img')).toHaveLength(0);
    const withLogo = await render({
      organisation: { ...sampleInput().organisation, logoUrl: 'https://www.example.org/logo.png' },
    });
    expect(withLogo.$('img').attr('alt')).toBe('Birmingham Safeguarding Children Partnership');
    expect(withLogo.$('img').attr('src')).toBe('https://www.example.org/logo.png');
  });
});

describe('press email: embargo, correction, withdrawal', () => {
  it('marks an embargo in force in the subject, the banner and the text part (GMT)', async () => {
    const { email, $, text, statement } = await render();
    expect(email.subject).toBe(`EMBARGOED until ${DISPLAY}: ${statement.headline}`);
    expect($('title').text()).toBe(email.subject);
    expect($('body').text()).toContain(
      `EMBARGOED until ${DISPLAY} — not for publication or broadcast before this time`,
    );
    expect(text.replace(/\s+/g, ' ')).toContain(`EMBARGOED until ${DISPLAY}`);
  });

  it('shows a summer lift time in BST', async () => {
    const { email, $, text } = await render({
      embargo: { until: '2024-06-05T10:00:00+01:00', timezone: 'Europe/London' },
    });
    const bst = '10:00 BST, Wednesday 5 June 2024';
    expect(email.subject).toContain(`EMBARGOED until ${bst}:`);
    expect($('body').text()).toContain(bst);
    expect(text.replace(/\s+/g, ' ')).toContain(bst);
  });

  it('drops the embargo marking once the lift time has passed', async () => {
    const { email, html, text, statement } = await render({}, new Date('2024-03-01T00:00:00Z'));
    expect(email.subject).toBe(statement.headline);
    expect(html).not.toContain('EMBARGOED');
    expect(text).not.toContain('EMBARGOED');
  });

  it('marks a correction with the correction text, before the embargo prefix', async () => {
    const correction = 'The helpline number in the earlier version was wrong.';
    const { email, $, text, statement } = await render({ revision: 2, correction });
    expect(email.subject).toBe(`CORRECTION: EMBARGOED until ${DISPLAY}: ${statement.headline}`);
    expect($('body').text()).toContain('CORRECTION');
    expect($('body').text()).toContain(correction);
    expect(text).toContain('CORRECTION');
    expect(text.replace(/\s+/g, ' ')).toContain(correction);
    expect(preheader($)).toContain(correction);
    const lifted = await render({ revision: 2, correction }, new Date('2024-03-01T00:00:00Z'));
    expect(lifted.email.subject).toBe(`CORRECTION: ${statement.headline}`);
  });

  it('marks a withdrawal with the reason and does not send the body again', async () => {
    const reason = 'The review has been postponed at the family’s request.';
    const { email, $, text, statement } = await render({
      status: 'withdraw',
      withdrawalReason: reason,
    });
    expect(email.subject).toBe(`WITHDRAWN – DO NOT PUBLISH: ${statement.headline}`);
    const page = $('body').text();
    expect(page).toContain('WITHDRAWN – DO NOT PUBLISH');
    expect(page).toContain(reason);
    expect(page).not.toContain('EMBARGOED');
    expect(page).not.toContain('Revised National Asylum-Seeking Support Services');
    expect(page).toContain('Lawrence Vos'); // journalists can still ask
    expect(text).toContain('WITHDRAWN – DO NOT PUBLISH');
    expect(text.replace(/\s+/g, ' ')).toContain(reason);
  });

  it('keeps the subject on one line', () => {
    const statement = sampleStatement({ headline: 'Line one\u2028line two\u2029three\u0085four' });
    expect(emailSubject(statement, null)).not.toMatch(/[\r\n\u2028\u2029\u0085]/);
  });
});

describe('press email: content', () => {
  it('renders body bullets as a real list', async () => {
    const { $ } = await render();
    const items = $('ul li')
      .toArray()
      .map((li) => $(li).text());
    expect(items).toContain('Revised National Asylum-Seeking Support Services;');
    expect(items).toContain('Improved local discharge planning;');
    $('p').each((_, p) => {
      expect($(p).text()).not.toMatch(/^\s*[•*-] /);
    });
  });

  it('gives every link an https/mailto/tel href and descriptive, styled text', async () => {
    const { $ } = await render();
    const links = $('a').toArray();
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const a of links) {
      const href = $(a).attr('href') ?? '';
      expect(href).toMatch(/^(https:\/\/|mailto:|tel:)/);
      expect($(a).text().trim()).not.toMatch(/^(click here|here|link|more)$/i);
      expect($(a).attr('style')).toContain('#1D70B8');
      expect($(a).attr('style')).toContain('underline');
    }
    const review = $('a:contains("Learning from reviews")');
    expect(review.attr('href')).toBe(
      'https://lscpbirmingham.org.uk/case-reviews-and-audits/learning-from-reviews',
    );
  });

  it('shows signoff, callout, notes to editors and the media contact with mailto/tel links', async () => {
    const { $ } = await render();
    const page = $('body').text();
    expect(page).toContain('Penny Thompson CBE');
    expect(page).toContain('Independent Chair BSCP');
    expect(page).toContain('0121 303 1888');
    expect($('h2:contains("Notes to editors")').next().text()).toContain(
      'Serious Case Review (SCR)',
    );
    expect($('a[href="mailto:lawrence.vos@birminghamchildrenstrust.co.uk"]').text()).toBe(
      'lawrence.vos@birminghamchildrenstrust.co.uk',
    );
    expect($('a[href="tel:+447470081457"]').text()).toBe('07470 081457');
    expect($('a[href="tel:+441213031888"]').text()).toBe('0121 303 1888'); // in the callout
  });

  it('puts the unsubscribe slot in an href and escapes the greeting on fill', async () => {
    const { email, $ } = await render({}, BEFORE_LIFT, {
      greeting: 'Dear <script>alert(1)</script> "Jane" & Co,',
      unsubscribeUrl: UNSUBSCRIBE,
    });
    expect(email.html.slots).toEqual(['greeting', 'unsubscribeUrl']);
    expect(email.html.parts[2]?.startsWith('"')).toBe(true);
    expect(email.html.parts[1]?.endsWith('href="')).toBe(true);
    expect($(`a[href="${UNSUBSCRIBE}"]`).text()).toMatch(/Unsubscribe/);
    expect($('script')).toHaveLength(0);
    expect(
      $('p').filter((_, p) => $(p).text() === 'Dear <script>alert(1)</script> "Jane" & Co,'),
    ).toHaveLength(1);
  });

  it('leaves no trace of an empty greeting', async () => {
    const { $ } = await render({}, BEFORE_LIFT, { greeting: '', unsubscribeUrl: UNSUBSCRIBE });
    expect($('body').text()).not.toContain('herald-slot');
  });

  it('cannot be given extra slots by text that looks like a marker', async () => {
    // Markers carry a fresh random nonce per render, so author text never matches one.
    const lookalike =
      'herald-slot-0123456789abcdef0123456789abcdef-greeting herald-slot-x-unsubscribeurl';
    const forged = await render({ body: `Hello ${lookalike}`, headline: lookalike });
    expect(forged.email.html.slots).toEqual(['greeting', 'unsubscribeUrl']);
    expect(forged.$('body').text()).toContain(`Hello ${lookalike}`);
    expect(forged.email.subject).toContain(lookalike);
  });

  it('sets language, replyTo, id and revision', async () => {
    const { email } = await render();
    expect(email).toMatchObject({
      statementId: 'bscp-2024-02-scr',
      revision: 1,
      language: 'en-GB',
      replyTo: { name: 'Lawrence Vos', address: 'lawrence.vos@birminghamchildrenstrust.co.uk' },
    });
    const input = sampleInput();
    const noEmail = sampleStatement({
      mediaContact: { name: 'Jo Bloggs', phone: '0121 303 1888' },
      embargo: input.embargo,
    });
    expect((await renderEmail(noEmail, null)).replyTo).toBeNull();
  });
});

describe('press email: plain-text part', () => {
  it('has the whole statement, generated from the source', async () => {
    const { text, statement } = await render();
    const lines = text.split('\n');
    expect(lines[0]).toBe('Dear Jane Smith,');
    expect(text).toContain(`${statement.headline}\n${'='.repeat(statement.headline.length)}`);
    expect(text).toContain('Birmingham Safeguarding Children Partnership have today published');
    expect(text).toContain('- Revised National Asylum-Seeking Support Services;');
    expect(text).toContain('- Improved local discharge planning;');
    expect(text).toContain('Penny Thompson CBE');
    expect(text).toContain('| If you are concerned about a child living in Birmingham');
    expect(text).toContain('Notes to editors\n----------------');
    expect(text).toContain(
      '- Learning from reviews:\n  https://lscpbirmingham.org.uk/case-reviews-and-audits/learning-from-reviews',
    );
    expect(text).toContain('Media contact\n-------------\nLawrence Vos, Communications Manager');
    expect(text).toContain('Email: lawrence.vos@birminghamchildrenstrust.co.uk');
    expect(text).toContain('Phone: 07470 081457');
    expect(lines.at(-2)).toBe(`Unsubscribe: ${UNSUBSCRIBE}`);
    expect(text).not.toMatch(/<[a-z]/i);
  });

  it('wraps at 76 columns without breaking URLs, and writes inline links as label: URL', async () => {
    const url = `https://www.example.org/${'very-long-path-segment/'.repeat(5)}end`;
    const { text } = await render({
      body: `Read [the full review](${url}) and *act* on **it** now, because this sentence is deliberately long enough to wrap.`,
    });
    for (const line of text.split('\n')) {
      if (line.trim().includes(' ')) expect(line.length, line).toBeLessThanOrEqual(76);
    }
    expect(text).toContain('the full review:');
    expect(text.split('\n')).toContain(url); // longer than a line: on its own, unbroken
    expect(text).toContain('act on it now');
    expect(text).not.toContain('*');
  });

  it('renders numbered lists, quotes and headings', async () => {
    const { text } = await render({
      body: '## Next steps\n\n1. First\n2. Second\n\n> A quoted line',
    });
    expect(text).toContain('Next steps\n----------');
    expect(text).toContain('1. First\n2. Second');
    expect(text).toContain('> A quoted line');
  });

  it('gives partners the same statement text with no slots', async () => {
    const { text, statement, embargo } = await render();
    const plain = renderStatementText(statement, embargo);
    expect(text).toContain(plain);
    expect(plain).not.toContain('Unsubscribe');
    expect(plain.startsWith(`EMBARGOED until ${DISPLAY}`)).toBe(true);
  });
});

describe('summaryOf', () => {
  const withoutSummary = (body: string): Statement => sampleStatement({ body });

  it('uses the summary when given', () => {
    expect(summaryOf(sampleStatement({ summary: 'A short summary.' }))).toBe('A short summary.');
  });

  it('derives it from the first paragraph as plain text', () => {
    expect(
      summaryOf(
        withoutSummary('# Title\n\nSee [the review](https://x.example.org) *now*.\n\nMore.'),
      ),
    ).toBe('See the review now.');
  });

  it('cuts a long paragraph at a word boundary with an ellipsis, ≤ 280 characters', () => {
    const words = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const summary = summaryOf(withoutSummary(words));
    expect(summary.length).toBeLessThanOrEqual(280);
    expect(summary.endsWith('…')).toBe(true);
    const last = summary.slice(0, -1).split(' ').at(-1) ?? '';
    expect(words.split(' ')).toContain(last);
  });

  it('never splits an emoji when there is no space to cut at', () => {
    const summary = summaryOf(withoutSummary('😀'.repeat(300)));
    expect(summary.length).toBeLessThanOrEqual(280);
    expect(summary).toMatch(/^(😀)+…$/u);
  });
});
