/** UK phone numbers become tel: links, and nothing else does. */
import * as cheerio from 'cheerio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markdownToHtml } from '../../core/render/markdown';
import { findPhoneNumbers, telHref } from '../../core/render/phone';

const linked = (text: string) =>
  findPhoneNumbers(text).map((m) => [text.slice(m.start, m.end), m.href]);

describe('findPhoneNumbers', () => {
  it.each([
    ['ring 0121 303 1888.', '0121 303 1888', 'tel:+441213031888'],
    ['mobile 07470 081457', '07470 081457', 'tel:+447470081457'],
    ['London 020 7946 0000,', '020 7946 0000', 'tel:+442079460000'],
    ['freephone 0800 123 456', '0800 123 456', 'tel:+44800123456'],
    ['NSPCC 0808 800 5000', '0808 800 5000', 'tel:+448088005000'],
    ['from abroad +44 121 303 1888', '+44 121 303 1888', 'tel:+441213031888'],
    ['or +44 (0)121 303 1888', '+44 (0)121 303 1888', 'tel:+441213031888'],
    ['or +447470081457', '+447470081457', 'tel:+447470081457'],
    ['unspaced 01213031888', '01213031888', 'tel:+441213031888'],
    ['(0121 303 1888)', '0121 303 1888', 'tel:+441213031888'],
    ['no-break 0121\u00a0303\u00a01888', '0121\u00a0303\u00a01888', 'tel:+441213031888'],
  ])('links %j', (text, number, href) => {
    expect(linked(text)).toEqual([[number, href]]);
  });

  it.each([
    'Ref: BSCB 2018-19/01',
    'Case Reference BSCB 2018-19-01',
    'on 01/02/2024 and 01 02 2024',
    'in 2019 and 2024, 10 000 children',
    'a budget of £0121 303 1888',
    'ISBN 978 0 12 345678 9',
    'code 0121',
    'too short 0121 303',
    'too long 0121 303 1888 12',
    'not UK 0044 121 303 1888 or 06 1234 5678',
    'version 1.0121 303 1888',
    'id abc0121 303 1888',
    'account 012 345 678',
    'years 2014-2017 and 1999 2000 2001',
  ])('leaves %j alone', (text) => {
    expect(linked(text)).toEqual([]);
  });

  it('only ever links a UK number: 0 + 9 or 10 digits, or +44 + 9 or 10', () => {
    const piece = fc.constantFrom(
      '0',
      '1',
      '7',
      '44',
      '+',
      '+44',
      ' ',
      '\u00a0',
      '(0)',
      '-',
      '/',
      '.',
      '£',
      'a',
      '123',
      '0121',
      '303',
      '1888',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (parts) => {
        const text = parts.join('');
        for (const m of findPhoneNumbers(text)) {
          const digits = text.slice(m.start, m.end).replace('(0)', '').replace(/\D/g, '');
          expect(digits).toMatch(/^(0|44)[1235789]\d{8,9}$/);
          expect(m.href).toMatch(/^tel:\+44[1235789]\d{8,9}$/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('telHref (the media contact)', () => {
  it('writes UK numbers in E.164 and others as their digits', () => {
    expect(telHref('0121 303 1888')).toBe('tel:+441213031888');
    expect(telHref('+44 (0)7470 081457')).toBe('tel:+447470081457');
    expect(telHref('+1 (555) 123-4567')).toBe('tel:+15551234567');
  });
});

describe('callout Markdown with linkPhones', () => {
  it('links the number, keeps the text and never links inside an existing link', () => {
    const html = markdownToHtml(
      'Call **0121 303 1888** or [our line 0800 123 4567](https://www.example.org/help). Ref 2018-19/01.',
      { headingLevel: 2, linkPhones: true },
    ).toString();
    const $ = cheerio.load(html);
    expect(
      $('a[href^="tel:"]')
        .toArray()
        .map((a) => $(a).text()),
    ).toEqual(['0121 303 1888']);
    expect($('a[href^="tel:"]').attr('style')).toContain('white-space:nowrap');
    expect($('p').text()).toBe('Call 0121 303 1888 or our line 0800 123 4567. Ref 2018-19/01.');
    expect(markdownToHtml('Call 0121 303 1888', { headingLevel: 2 }).toString()).not.toContain(
      'tel:',
    );
  });
});
