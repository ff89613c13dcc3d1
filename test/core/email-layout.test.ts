/**
 * What holds the email together on a phone and in dark mode, and the notices
 * a moved or lifted embargo gets (render option `liftMoved`). Read with
 * cheerio; the real-browser checks (contrast, axe, screenshots) are in
 * test/browser/.
 */
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { renderStatement } from '../../core/render';
import { type EmailRenderOptions, escapeHtml, renderEmail } from '../../core/render/email';
import { fillSlots, type SlotValues } from '../../core/render/slots';
import { resolveEmbargo } from '../../core/statement/embargo';
import type { StatementInput } from '../../core/statement/schema';
import type { EmbargoInfo } from '../../core/types';
import { sampleStatement } from '../fixtures/statements';

const BEFORE_LIFT = new Date('2024-02-01T09:00:00Z');
const VALUES: SlotValues = {
  greeting: 'Dear Jane Smith,',
  unsubscribeUrl: 'https://herald.example.org/unsubscribe?t=abc',
};
const OLD_LIFT: EmbargoInfo = {
  until: '2024-02-21T00:01:00.000Z',
  timezone: 'Europe/London',
  display: '00:01 GMT, Wednesday 21 February 2024',
};
const NEW_LIFT: EmbargoInfo = {
  until: '2024-02-22T09:00:00.000Z',
  timezone: 'Europe/London',
  display: '09:00 GMT, Thursday 22 February 2024',
};

async function render(
  overrides: Partial<StatementInput> = {},
  embargo: EmbargoInfo | null | 'resolve' = 'resolve',
  options: EmailRenderOptions = {},
) {
  const statement = sampleStatement(overrides);
  const inForce = embargo === 'resolve' ? resolveEmbargo(statement, BEFORE_LIFT).embargo : embargo;
  const email = await renderEmail(statement, inForce, options);
  const html = fillSlots(email.html, VALUES, escapeHtml);
  const text = fillSlots(email.text, VALUES);
  return { statement, email, html, text, $: cheerio.load(html) };
}

const words = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Texts of the spans that must stay on one line. */
function keptWhole($: cheerio.CheerioAPI): string[] {
  return $('[style*="white-space:nowrap"]')
    .toArray()
    .map((el) => $(el).text());
}

describe('press email: on a phone', () => {
  it('keeps the lift time, the date, the reference and phone numbers on one line', async () => {
    const { $ } = await render();
    const kept = keptWhole($);
    expect(kept).toEqual(
      expect.arrayContaining([
        '00:01 GMT,',
        'Wednesday 21 February 2024',
        'Ref: BSCB 2018-19/01 ·',
        '21 February 2024',
        '0121 303 1888',
        '07470 081457',
      ]),
    );
    // The meta line reads as before; only line-break opportunities changed.
    expect($('p strong').first().text()).toBe(
      'Partnership statement · Ref: BSCB 2018-19/01 · 21 February 2024',
    );
  });

  it('lets a long reference break between its words, never inside one', async () => {
    const reference = 'Serious Case Review BSCB 2018-19/01 annex B part 2 of 3';
    const { $ } = await render({ reference });
    const kept = keptWhole($);
    expect(kept).toEqual(expect.arrayContaining(['Ref:', 'BSCB', '2018-19/01', 'annex']));
    expect(words($('p strong').first().text())).toContain(`Ref: ${reference} ·`);
  });

  it('breaks the contact email address only before the @', async () => {
    const { $ } = await render();
    const link = $('a[href="mailto:lawrence.vos@birminghamchildrenstrust.co.uk"]').last();
    expect(link.text()).toBe('lawrence.vos@birminghamchildrenstrust.co.uk');
    // Pieces kept whole, with a break opportunity (<wbr>) before each: the @ first, then dots.
    const pieces = keptWhole(cheerio.load(link.html() ?? ''));
    expect(pieces[0]).toBe('lawrence.vos');
    expect(pieces[1]?.startsWith('@')).toBe(true);
    for (const piece of pieces.slice(2)) expect(piece.startsWith('.')).toBe(true);
    expect(link.find('wbr')).toHaveLength(pieces.length - 1);
  });

  it('never breaks the text part inside the lift time or the reference', async () => {
    const { text } = await render({ reference: 'BSCB 2018-19/01 with a longer tail' });
    const lines = text.split('\n');
    expect(lines[2]).toMatch(/^EMBARGOED until 00:01 GMT, Wednesday 21 February 2024 — /);
    expect(lines).toContain('21 February 2024'); // the long meta line wraps before the date, not inside it
    for (const line of lines) {
      expect(line).not.toMatch(/(00:01|GMT,|Wednesday|21 February)$/);
      expect(line).not.toMatch(/^(GMT|February|2024 —)/);
    }
  });
});

describe('press email: dark mode', () => {
  it('declares light and dark support and a dark palette for the banner', async () => {
    const { $, html } = await render();
    expect($('meta[name="color-scheme"]').attr('content')).toBe('light dark');
    expect($('meta[name="supported-color-schemes"]').attr('content')).toBe('light dark');
    const css = $('style').text();
    expect(css).toMatch(/@media \(prefers-color-scheme: dark\)/);
    expect(css).toMatch(/\.herald-embargo-text \{ color: #FFDD00 !important; \}/);
    // The banner text sits on white inside the yellow frame: forced-dark clients darken both.
    const box = $('.herald-embargo-box');
    expect(box.attr('style')).toContain('background-color:#FFFFFF');
    expect(box.find('.herald-embargo-text').attr('style')).toContain('color:#0B0C0C');
    expect(html).not.toMatch(/fonts\.googleapis/);
  });
});

describe('press email: the embargo beside the media contact', () => {
  it('repeats the embargo line under "Media contact", in the HTML and the text part', async () => {
    const { $, text } = await render();
    const notice =
      'EMBARGOED until 00:01 GMT, Wednesday 21 February 2024 — not for publication or broadcast before this time';
    const heading = $('h2:contains("Media contact")');
    expect(words(heading.next().text())).toBe(notice);
    const afterContact = text.slice(text.indexOf('Phone: 07470 081457'));
    expect(words(afterContact)).toContain(notice);
  });

  it('has no reminder once the embargo has lifted, nor on a withdrawal', async () => {
    for (const overrides of [
      {},
      { status: 'withdraw' as const, withdrawalReason: 'Issued in error.' },
    ]) {
      const { html, text } = await render(overrides, null);
      expect(html).not.toContain('EMBARGOED');
      expect(text).not.toContain('EMBARGOED');
    }
  });
});

describe('press email: headings', () => {
  it('never skips a level, whatever the Markdown jumps to', async () => {
    const { $ } = await render({
      body: '### Deep first\n\nText.\n\n# Top\n\n#### Deeper\n\nMore.',
      callout: '### Helpline\n\nCall us.',
    });
    const levels = $('h1, h2, h3, h4, h5, h6')
      .toArray()
      .map((el) => Number(el.tagName.slice(1)));
    expect(levels[0]).toBe(1);
    for (let i = 1; i < levels.length; i++) {
      expect(levels[i] as number).toBeLessThanOrEqual((levels[i - 1] as number) + 1);
    }
    expect($('h1')).toHaveLength(1);
    expect($('h3:contains("Deep first")')).toHaveLength(1); // under the subheading (h2)
    expect($('h4:contains("Deeper")')).toHaveLength(1);
  });
});

describe('press email: the lift moved (render option liftMoved)', () => {
  it('says the embargo has moved and from when, in the banner and the text part; the subject stays', async () => {
    const { email, $, text } = await render({}, NEW_LIFT, { liftMoved: { from: OLD_LIFT } });
    const moved =
      'EMBARGOED until 09:00 GMT, Thursday 22 February 2024 — the embargo has moved (it was 00:01 GMT, Wednesday 21 February 2024). Not for publication or broadcast before this time.';
    expect(words($('.herald-embargo-text').text())).toBe(moved);
    expect(words(text)).toContain(moved);
    expect(email.subject).toBe(
      'EMBARGOED until 09:00 GMT, Thursday 22 February 2024: Publication of a Serious Case Review',
    );
  });

  it('says the embargo was lifted early when none is in force any more', async () => {
    const { email, $, html, text, statement } = await render({}, null, {
      liftMoved: { from: OLD_LIFT },
    });
    const lifted =
      'EMBARGO LIFTED EARLY — this statement was embargoed until 00:01 GMT, Wednesday 21 February 2024; it may now be published.';
    expect(words($('body').text())).toContain(lifted);
    expect(words(text)).toContain(lifted);
    expect(html).not.toContain('EMBARGOED');
    expect(email.subject).toBe(statement.headline);
  });

  it('changes nothing when the lift is where it was, and says nothing on a withdrawal', async () => {
    const same = await render({}, OLD_LIFT, { liftMoved: { from: OLD_LIFT } });
    expect(words(same.$('.herald-embargo-text').text())).toBe(
      'EMBARGOED until 00:01 GMT, Wednesday 21 February 2024 — not for publication or broadcast before this time',
    );
    const withdrawn = await render(
      { status: 'withdraw', withdrawalReason: 'Issued in error.' },
      null,
      { liftMoved: { from: OLD_LIFT } },
    );
    expect(withdrawn.html).not.toMatch(/LIFTED|EMBARGOED/);
  });

  it('flows through renderStatement to the email and the partners’ text', async () => {
    const statement = sampleStatement();
    const rendered = await renderStatement(statement, {
      embargo: NEW_LIFT,
      liftMoved: { from: OLD_LIFT },
    });
    expect(rendered.plainText).toContain('the embargo has moved');
    expect(fillSlots(rendered.email.text, VALUES)).toContain('the embargo has moved');
    expect(rendered.email.subject).toContain('EMBARGOED until 09:00 GMT');
  });
});
