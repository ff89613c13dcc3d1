/**
 * Long statements: a report-length body whose email Gmail would clip is sent
 * with a warning, and what Gmail shows before its clip (the first ~100 KB of
 * the HTML) still has the embargo line, headline, summary and media contact.
 */
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderEmail, summaryOf } from '../../core/render/email';
import { EMAIL_CLIP_BYTES, EMAIL_MAX_BYTES } from '../../core/render/size-budget';
import { fillSlots, type SlotValues } from '../../core/render/slots';
import { parseStatement } from '../../core/statement/parse';
import { LIMITS } from '../../core/statement/primitives';
import { sampleInput } from '../fixtures/statements';

const NOW = new Date('2024-02-01T09:00:00Z');
const VALUES: SlotValues = {
  greeting: 'Dear Jane Smith,',
  unsubscribeUrl: 'https://herald.example.org/unsubscribe?t=abc',
};
const NOTICE =
  'EMBARGOED until 00:01 GMT, Wednesday 21 February 2024 — not for publication or broadcast before this time';

/**
 * A report `length` characters long: sections of prose, each with a list of
 * linked sources, the way a review's findings cite its evidence. Links and
 * lists are what make an email's HTML several times its text.
 */
function reportBody(length: number): string {
  const paragraph =
    'The review found that agencies worked hard to support the family, but that planning for the child’s discharge from hospital started too late and that [the guidance](https://www.example.org/guidance) was not *always* followed. ';
  let body = '';
  for (let section = 1; body.length < length; section++) {
    const sources = Array.from(
      { length: 12 },
      (_, i) =>
        `- [Evidence ${section}.${i + 1}](https://www.example.org/review/evidence/${section}-${i + 1})`,
    ).join('\n');
    body += `## Finding ${section}\n\n${paragraph}\n\n${sources}\n\n`;
  }
  const end = '\n\nThe last paragraph of the report.';
  return body.slice(0, length - end.length) + end;
}

function parse(body: string) {
  const result = parseStatement(JSON.stringify({ ...sampleInput(), body }), { now: NOW });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result;
}

/** The HTML as a journalist's Gmail shows it: cut after EMAIL_CLIP_BYTES bytes. */
function beforeClip(html: string): cheerio.CheerioAPI {
  return cheerio.load(Buffer.from(html).subarray(0, EMAIL_CLIP_BYTES).toString('utf8'));
}

const words = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('press email: a 40,000-character body', () => {
  it('is accepted with a warning that Gmail will clip it', () => {
    const parsed = parse(reportBody(40_000));
    expect(parsed.statement.body.length).toBe(40_000);
    expect(parsed.warnings).toEqual([
      {
        path: 'body',
        message: expect.stringMatching(
          /^The email will be at least (9\d|1\d\d) KB, close to or over the 100 KB or so that Gmail shows before it hides the rest behind "View entire message"\. It will still go out; Herald puts the embargo, headline, summary and media contact at the top/,
        ),
      },
    ]);
  });

  it('has the embargo line, headline, summary and media contact before the clip', async () => {
    const { statement, embargo } = parse(reportBody(40_000));
    const email = await renderEmail(statement, embargo);
    const html = fillSlots(email.html, VALUES, escapeHtml);
    expect(Buffer.byteLength(html)).toBeGreaterThan(EMAIL_CLIP_BYTES);
    expect(Buffer.byteLength(html)).toBeLessThan(EMAIL_MAX_BYTES);

    const $ = beforeClip(html);
    const shown = words($('body').text());
    expect(shown).toContain(NOTICE);
    expect($('h1').text()).toBe(statement.headline);
    expect(shown).toContain(summaryOf(statement));
    expect(shown).toContain('Lawrence Vos');
    expect(shown).toContain('Communications Manager');
    expect($('a[href="mailto:lawrence.vos@birminghamchildrenstrust.co.uk"]').first().text()).toBe(
      'lawrence.vos@birminghamchildrenstrust.co.uk',
    );
    expect($('a[href="tel:+447470081457"]').first().text()).toBe('07470 081457');
    expect(shown).toContain('choose "View entire message"');
    // Gmail really would cut this one: the end is past the clip.
    expect(shown).not.toContain('The last paragraph of the report.');

    // The whole email still has everything, ending as usual.
    const whole = words(cheerio.load(html)('body').text());
    expect(whole).toContain('The last paragraph of the report.');
    expect(whole).toContain('Notes to editors');
    expect(whole.indexOf('The last paragraph of the report.')).toBeLessThan(
      whole.lastIndexOf('Lawrence Vos'),
    );
  });

  it('renders the longest body the schema allows', async () => {
    const { statement, embargo } = parse(reportBody(LIMITS.body - 100));
    const email = await renderEmail(statement, embargo);
    const html = fillSlots(email.html, VALUES, escapeHtml);
    expect(Buffer.byteLength(html)).toBeLessThan(EMAIL_MAX_BYTES);
    expect(words(beforeClip(html)('body').text())).toContain(NOTICE);
  });
});

describe('press email: an ordinary statement', () => {
  it('has no warning and no opening box', async () => {
    const { statement, embargo, warnings } = parse(sampleInput().body);
    expect(warnings).toEqual([]);
    const email = await renderEmail(statement, embargo);
    const $ = cheerio.load(fillSlots(email.html, VALUES, escapeHtml));
    expect($('body').text()).not.toContain('View entire message');
    expect($('strong:contains("Summary")')).toHaveLength(0);
  });
});
