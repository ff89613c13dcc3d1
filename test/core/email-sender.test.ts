/**
 * The From header: the organisation's name on the configured address, safe
 * as a header whatever the name holds (read back with mailparser).
 */
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildRawMessage } from '../../core/mime';
import { renderEmail } from '../../core/render/email';
import { fromHeader, fromNameFor } from '../../core/render/sender';
import { statementSchema } from '../../core/statement/schema';
import type { RenderedEmail } from '../../core/types';
import { sampleInput, sampleStatement } from '../fixtures/statements';

const CONFIGURED = 'Herald Press Office <press@example.org>';

async function fromOf(email: RenderedEmail, configured = CONFIGURED) {
  const raw = await buildRawMessage(
    email,
    { email: 'jane@example.com' },
    {
      from: fromHeader(email.fromName, configured),
      unsubscribeUrl: 'https://unsubscribe.example.org/u?t=x',
    },
  );
  const head = raw.toString('latin1').slice(0, raw.indexOf('\r\n\r\n'));
  return { parsed: await simpleParser(raw), head };
}

describe('From display name', () => {
  it('is the organisation by default, on the configured address', async () => {
    const email = await renderEmail(sampleStatement(), null);
    expect(email.fromName).toBe('Birmingham Safeguarding Children Partnership');
    const { parsed } = await fromOf(email);
    expect(parsed.from?.value).toEqual([
      { name: 'Birmingham Safeguarding Children Partnership', address: 'press@example.org' },
    ]);
  });

  it('follows sender.displayName: the short name (or the name without one), or the configured name', async () => {
    const statement = sampleStatement();
    expect(fromNameFor(statement, 'shortName')).toBe('BSCP');
    const { shortName: _, ...withoutShort } = sampleInput().organisation;
    expect(fromNameFor(sampleStatement({ organisation: withoutShort }), 'shortName')).toBe(
      'Birmingham Safeguarding Children Partnership',
    );
    const fixed = await renderEmail(statement, null, { displayName: 'fixed' });
    expect(fixed.fromName).toBeUndefined();
    expect((await fromOf(fixed)).parsed.from?.value).toEqual([
      { name: 'Herald Press Office', address: 'press@example.org' },
    ]);
    // A configured bare address works too.
    expect(fromHeader('BSCP', 'press@example.org')).toBe('"BSCP" <press@example.org>');
  });

  it('writes a Welsh name as an RFC 2047 encoded word, every header line ASCII', async () => {
    const name = 'Cyngor Sir Glanyrafon – Gwasanaethau Llyfrgell ŵ';
    const email = await renderEmail(
      sampleStatement({ organisation: { name }, language: 'cy' }),
      null,
    );
    const { parsed, head } = await fromOf(email);
    expect(parsed.from?.value).toEqual([{ name, address: 'press@example.org' }]);
    expect(head).toMatch(/^From: =\?UTF-8\?/m);
    for (const line of head.split('\r\n')) expect(line).toMatch(/^[\x20-\x7e\t]*$/);
  });

  it('cannot add an address, a header or a line, whatever the organisation name holds', async () => {
    const hostile = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            '"',
            '\\',
            ',',
            ';',
            '<',
            '>',
            '@',
            '(',
            ')',
            ':',
            'x@evil.example',
            '<x@evil.example>',
            '\r\nBcc: x@evil.example',
            '\u2028',
            'ŵ',
            '–',
            ' ',
          ),
          fc.string({ maxLength: 5 }),
        ),
        { minLength: 1, maxLength: 10 },
      )
      .map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(hostile, async (name) => {
        const parsed = statementSchema.safeParse({
          ...sampleInput(),
          organisation: { name },
        });
        // The schema refuses line breaks and control characters; fromHeader guards anyway.
        const fromName = parsed.success ? fromNameFor(parsed.data) : name;
        const email = { ...(await renderEmail(sampleStatement(), null)), fromName };
        const { parsed: mail, head } = await fromOf(email);
        expect(mail.from?.value.map((a) => a.address)).toEqual(['press@example.org']);
        expect(mail.headers.get('bcc')).toBeUndefined();
        expect(head.split('\r\n').filter((l) => /^From:/i.test(l))).toHaveLength(1);
        for (const line of head.split('\r\n')) expect(line).toMatch(/^[\x20-\x7e\t]*$/);
        // What the journalist sees is the name (encoded-word look-alikes aside: mail readers decode those).
        if (parsed.success && !name.includes('=?')) {
          expect(mail.from?.value[0]?.name).toBe(fromName);
        }
      }),
      { numRuns: 60 },
    );
  });
});
