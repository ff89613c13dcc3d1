import { build } from 'esbuild';
import fc from 'fast-check';
import { type AddressObject, simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  buildRawMessage,
  InvalidUnsubscribeUrlError,
  type MimeOptions,
  UnsafeHeaderValueError,
} from '../../core/mime';
import type { Recipient, RenderedEmail } from '../../core/types';

const UNSUBSCRIBE = 'https://unsubscribe.example.org/u?t=tok3n&r=jane';
const FROM = 'Herald Press Office <press@example.org>';

/** A rendered email as core/render leaves it: slots open in both parts. */
function renderedEmail(overrides: Partial<RenderedEmail> = {}): RenderedEmail {
  return {
    statementId: 'bscp-2024-02-scr',
    revision: 2,
    language: 'en-GB',
    subject:
      'CORRECTION: EMBARGOED until 00:01 GMT, Wednesday 21 February 2024: Publication of a Serious Case Review',
    html: {
      parts: [
        '<!doctype html><html lang="en-GB"><body><p style="margin:0">',
        '</p><h1>Publication of a Serious Case Review</h1><p><a href="',
        '">Unsubscribe</a></p></body></html>',
      ],
      slots: ['greeting', 'unsubscribeUrl'],
    },
    text: {
      parts: ['', '\n\nPublication of a Serious Case Review\n\n-- \nUnsubscribe: ', '\n'],
      slots: ['greeting', 'unsubscribeUrl'],
    },
    replyTo: { name: 'Lawrence Vos', address: 'lawrence.vos@birminghamchildrenstrust.co.uk' },
    ...overrides,
  };
}

const JANE: Recipient = {
  email: 'jane.smith@example.com',
  name: 'Jane Smith',
  outlet: 'Example Post',
};
const OPTIONS: MimeOptions = {
  from: FROM,
  unsubscribeUrl: UNSUBSCRIBE,
  unsubscribeMailto: 'mailto:unsubscribe@example.org?subject=unsubscribe',
  configurationSet: 'herald-press',
  date: new Date('2024-02-20T09:00:00Z'),
};

const raw = (email = renderedEmail(), recipient = JANE, options = OPTIONS) =>
  buildRawMessage(email, recipient, options);

/** The header block of a raw message, unfolded into `[name, value]` pairs. */
function headerLines(message: Buffer): string[] {
  const text = message.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
}
function headers(message: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of headerLines(message)) {
    if (/^[ \t]/.test(line) && out.length > 0) {
      const last = out[out.length - 1] as [string, string];
      last[1] += line;
    } else {
      const colon = line.indexOf(':');
      out.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
    }
  }
  return out;
}
const headerNames = (message: Buffer) =>
  headers(message)
    .map(([name]) => name)
    .sort();
const headerValue = (message: Buffer, name: string) =>
  headers(message)
    .filter(([n]) => n === name.toLowerCase())
    .map(([, v]) => v);
const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value);

describe('buildRawMessage: what the journalist’s mail client gets', () => {
  it('is multipart/alternative with the UTF-8 text part first, then the HTML', async () => {
    const message = await raw();
    const source = message.toString('latin1');
    expect(headerValue(message, 'content-type')[0]).toMatch(/^multipart\/alternative;/);
    const textAt = source.indexOf('Content-Type: text/plain; charset=utf-8');
    const htmlAt = source.indexOf('Content-Type: text/html; charset=utf-8');
    expect(textAt).toBeGreaterThan(0);
    expect(htmlAt).toBeGreaterThan(textAt);
    const parsed = await simpleParser(message);
    expect(parsed.text).toContain('Publication of a Serious Case Review');
    expect(parsed.html).toContain('<h1>Publication of a Serious Case Review</h1>');
  });

  it('has each singleton header exactly once (SES rejects duplicates)', async () => {
    const names = headerNames(await raw());
    for (const name of [
      'message-id',
      'date',
      'mime-version',
      'from',
      'to',
      'reply-to',
      'subject',
      'list-unsubscribe',
      'list-unsubscribe-post',
      'x-herald-statement',
      'x-ses-configuration-set',
    ]) {
      expect(
        names.filter((n) => n === name),
        name,
      ).toHaveLength(1);
    }
    expect(names).not.toContain('bcc');
    expect(names).not.toContain('auto-submitted');
  });

  it('addresses the journalist from the configured sender, replying to the media contact', async () => {
    const parsed = await simpleParser(await raw());
    expect(addresses(parsed.from)).toEqual([
      { name: 'Herald Press Office', address: 'press@example.org' },
    ]);
    expect(addresses(parsed.to)).toEqual([
      { name: 'Jane Smith', address: 'jane.smith@example.com' },
    ]);
    expect(addresses(parsed.replyTo)).toEqual([
      { name: 'Lawrence Vos', address: 'lawrence.vos@birminghamchildrenstrust.co.uk' },
    ]);
    expect(parsed.subject).toBe(renderedEmail().subject);
    expect(parsed.date?.toISOString()).toBe('2024-02-20T09:00:00.000Z');
  });

  it('offers one-click unsubscribe (RFC 8058) with the https link in angle brackets, then the mailto', async () => {
    const message = await raw();
    expect(headerValue(message, 'list-unsubscribe')).toEqual([
      `<${UNSUBSCRIBE}>, <mailto:unsubscribe@example.org?subject=unsubscribe>`,
    ]);
    expect(headerValue(message, 'list-unsubscribe-post')).toEqual(['List-Unsubscribe=One-Click']);
    const httpsOnly = await raw(renderedEmail(), JANE, { from: FROM, unsubscribeUrl: UNSUBSCRIBE });
    expect(headerValue(httpsOnly, 'list-unsubscribe')).toEqual([`<${UNSUBSCRIBE}>`]);
    expect(headerNames(httpsOnly)).not.toContain('x-ses-configuration-set');
  });

  it('names the statement and revision in X-Herald-Statement and uses the SES configuration set', async () => {
    const message = await raw();
    expect(headerValue(message, 'x-herald-statement')).toEqual(['bscp-2024-02-scr; revision=2']);
    expect(headerValue(message, 'x-ses-configuration-set')).toEqual(['herald-press']);
  });

  it('uses the Message-ID domain when given', async () => {
    const message = await raw(renderedEmail(), JANE, {
      ...OPTIONS,
      messageIdDomain: 'mail.example.org',
    });
    expect(headerValue(message, 'message-id')[0]).toMatch(/^<[0-9a-f-]{36}@mail\.example\.org>$/);
  });

  it('keeps every header line printable ASCII with a Welsh and emoji subject and name', async () => {
    const subject = 'EMBARGOED until 00:01 GMT: Dathlu’r ŵyl 🎉 — Łódź współpracuje';
    const recipient = { email: 'sian@example.cymru', name: 'Siân Ŵyn 👩🏽‍💻' };
    const message = await raw(renderedEmail({ subject }), recipient);
    for (const line of headerLines(message)) expect(line).toMatch(/^[\x20-\x7e\t]*$/);
    expect(headerValue(message, 'subject')[0]).toMatch(/=\?UTF-8\?/i);
    const parsed = await simpleParser(message);
    expect(parsed.subject).toBe(subject);
    expect(addresses(parsed.to)).toEqual([
      { name: 'Siân Ŵyn 👩🏽‍💻', address: 'sian@example.cymru' },
    ]);
    expect(parsed.text?.startsWith('Dear Siân Ŵyn 👩🏽‍💻,')).toBe(true);
  });
});

describe('buildRawMessage: per-recipient slots', () => {
  it('puts the unsubscribe URL in the HTML link (escaped) and in the text part (as is)', async () => {
    const message = await raw();
    const parsed = await simpleParser(message);
    expect(parsed.html).toContain(
      '<a href="https://unsubscribe.example.org/u?t=tok3n&amp;r=jane">Unsubscribe</a>',
    );
    expect(parsed.html).not.toContain('t=tok3n&r=jane');
    expect(parsed.text).toContain(`Unsubscribe: ${UNSUBSCRIBE}\n`);
  });

  it('greets a named journalist, HTML-escaping the name in the HTML only', async () => {
    const parsed = await simpleParser(
      await raw(renderedEmail(), { email: 'jo@example.com', name: 'Jo <b>"O\'Neil"</b> & Co' }),
    );
    expect(parsed.html).toContain(
      '<p style="margin:0">Dear Jo &lt;b&gt;&quot;O&#39;Neil&quot;&lt;/b&gt; &amp; Co,</p>',
    );
    expect(parsed.text?.startsWith('Dear Jo <b>"O\'Neil"</b> & Co,\n\n')).toBe(true);
  });

  it('leaves the greeting empty when the press list has no name', async () => {
    const message = await raw(renderedEmail(), { email: 'desk@example.com' });
    const parsed = await simpleParser(message);
    expect(parsed.html).toContain('<p style="margin:0"></p>');
    // No name, no greeting: the text part opens with the statement, not with blank lines.
    expect(parsed.text?.startsWith('Publication of a Serious Case Review')).toBe(true);
    expect(addresses(parsed.to)).toEqual([{ name: '', address: 'desk@example.com' }]);
  });

  it('omits Reply-To when the media contact has no email', async () => {
    const message = await raw(renderedEmail({ replyTo: null }));
    expect(headerNames(message)).not.toContain('reply-to');
  });
});

describe('buildRawMessage: refuses unsafe input', () => {
  const cases: Array<[string, () => Promise<Buffer>]> = [
    [
      'CR/LF in the recipient address',
      () => raw(renderedEmail(), { email: 'jo@example.com\r\nBcc: x@evil.example' }),
    ],
    [
      'LF in the recipient name',
      () => raw(renderedEmail(), { email: 'jo@example.com', name: 'Jo\nBcc: x@evil.example' }),
    ],
    [
      'NUL in the recipient name',
      () => raw(renderedEmail(), { email: 'jo@example.com', name: 'Jo\0' }),
    ],
    [
      'two recipient addresses',
      () => raw(renderedEmail(), { email: 'jo@example.com, x@evil.example' }),
    ],
    [
      'CR in the sender',
      () => raw(renderedEmail(), JANE, { ...OPTIONS, from: `${FROM}\rBcc: x@evil.example` }),
    ],
    [
      'two senders',
      () => raw(renderedEmail(), JANE, { ...OPTIONS, from: `${FROM}, x@evil.example` }),
    ],
    [
      'LF in the unsubscribe URL',
      () =>
        raw(renderedEmail(), JANE, {
          ...OPTIONS,
          unsubscribeUrl: `${UNSUBSCRIBE}\nBcc: x@evil.example`,
        }),
    ],
    ['CRLF in the subject', () => raw(renderedEmail({ subject: 'Hello\r\nBcc: x@evil.example' }))],
    [
      'LF in the media contact name',
      () =>
        raw(
          renderedEmail({
            replyTo: { name: 'Lawrence\nBcc: x@evil.example', address: 'l@example.org' },
          }),
        ),
    ],
    [
      'LF in the mailto',
      () =>
        raw(renderedEmail(), JANE, {
          ...OPTIONS,
          unsubscribeMailto: 'mailto:u@example.org\nBcc: x@evil.example',
        }),
    ],
  ];
  for (const [name, attempt] of cases) {
    it(`rejects ${name} with UnsafeHeaderValueError`, async () => {
      await expect(attempt()).rejects.toBeInstanceOf(UnsafeHeaderValueError);
    });
  }

  it('rejects an empty subject (nodemailer would silently drop the header)', async () => {
    await expect(raw(renderedEmail({ subject: '  ' }))).rejects.toBeInstanceOf(
      UnsafeHeaderValueError,
    );
  });

  it('accepts only an https unsubscribe URL', async () => {
    for (const unsubscribeUrl of [
      'http://unsubscribe.example.org/u?t=1',
      'mailto:u@example.org',
      'not a url',
      `https://example.org/${'a'.repeat(1000)}`,
    ]) {
      await expect(
        raw(renderedEmail(), JANE, { ...OPTIONS, unsubscribeUrl }),
      ).rejects.toBeInstanceOf(InvalidUnsubscribeUrlError);
    }
  });

  it('property: injected line breaks in subject, recipient name or media contact name never add a header', async () => {
    const benign = headerNames(await raw());
    const injection = fc.oneof(
      fc.constantFrom(
        '\r\nBcc: x@evil.example',
        '\nBcc: x@evil.example',
        '\rBcc: x@evil.example',
        '\r\n\r\n<p>',
        '\0',
      ),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom(
        '"',
        '<x@evil.example>',
        ', x@evil.example',
        ';',
        '=?UTF-8?B?QmNjOg==?=',
        '\t',
        '\u2028',
        '\u0085',
        '\x01',
      ),
    );
    const text = fc
      .array(fc.oneof(fc.string({ maxLength: 10 }), injection), { minLength: 1, maxLength: 5 })
      .map((p) => p.join(''));
    await fc.assert(
      fc.asyncProperty(text, text, text, async (subject, name, contact) => {
        let message: Buffer;
        try {
          message = await raw(
            renderedEmail({
              subject,
              replyTo: { name: contact, address: 'lawrence.vos@birminghamchildrenstrust.co.uk' },
            }),
            { email: 'jane.smith@example.com', name },
          );
        } catch (error) {
          expect(error).toBeInstanceOf(UnsafeHeaderValueError);
          expect(/[\r\n\0]/.test(subject + name + contact) || subject.trim() === '').toBe(true);
          return;
        }
        // Same header set as a benign message (To/Reply-To may be absent as names, never duplicated).
        expect(headerNames(message)).toEqual(benign);
        for (const line of headerLines(message)) expect(line).toMatch(/^[\x20-\x7e\t]*$/);
        const parsed = await simpleParser(message);
        expect(addresses(parsed.to).map((a) => a.address)).toEqual(['jane.smith@example.com']);
        expect(addresses(parsed.replyTo).map((a) => a.address)).toEqual([
          'lawrence.vos@birminghamchildrenstrust.co.uk',
        ]);
        expect(parsed.bcc).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});

describe('the send Lambda bundle', () => {
  it('does not contain MJML or the renderer: core/mime pulls in only the slot filler, the escape and the error base class', async () => {
    const result = await build({
      entryPoints: ['core/mime/index.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => i.includes('node_modules/mjml'))).toEqual([]);
    expect(inputs.filter((i) => i.startsWith('core/')).sort()).toEqual([
      'core/errors.ts',
      'core/mime/checks.ts',
      'core/mime/index.ts',
      'core/mime/splice.ts',
      'core/render/mjml-tag.ts',
      'core/render/slots.ts',
    ]);
  });
});
