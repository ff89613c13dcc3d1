/**
 * The per-recipient fast path (buildRawMessage: bodies encoded once, only the
 * lines and header fields that differ spliced per journalist) must give the
 * bytes nodemailer's MailComposer gives for the same journalist
 * (composeRawMessage), and what a journalist's mail client reads must be what
 * the previous, MailComposer-per-recipient build gave.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildRawMessage,
  composeRawMessage,
  type MimeOptions,
  prepareEmail,
  prepareForSender,
  type StoredMime,
  storedMimeFor,
} from '../../core/mime';
import { renderEmail } from '../../core/render/email';
import { escapeHtml } from '../../core/render/mjml-tag';
import { fillSlots } from '../../core/render/slots';
import type { Recipient, RenderedEmail, SlotName } from '../../core/types';
import { sampleStatement } from '../fixtures/statements';

const FROM = 'Herald Press Office <press@example.org>';

let sample: RenderedEmail;
beforeAll(async () => {
  sample = await renderEmail(sampleStatement(), null);
});

// ── Arbitraries ─────────────────────────────────────────────────────────────

/** Line fragments that stress quoted-printable: trailing blanks, `=`, non-ASCII, long runs without spaces. */
const fragment = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    ' ',
    '\t',
    '  ',
    '=',
    '=3D',
    '—',
    'Siân Ŵyn',
    '👩🏽‍💻',
    '<a href="x">',
    '.',
    'x'.repeat(75),
    'y'.repeat(76),
    'z'.repeat(77),
    `${'word '.repeat(20)}`,
    'é'.repeat(40),
  ),
);
const lineBreak = fc.constantFrom('\n', '\r\n', '\r', '\n\n');
const part = fc
  .array(fc.oneof({ weight: 3, arbitrary: fragment }, { weight: 2, arbitrary: lineBreak }), {
    maxLength: 12,
  })
  .map((pieces) => pieces.join(''));
const slotted = fc
  .array(fc.constantFrom<SlotName>('greeting', 'unsubscribeUrl'), { maxLength: 4 })
  .chain((slots) =>
    fc.record({
      parts: fc.array(part, { minLength: slots.length + 1, maxLength: slots.length + 1 }),
      slots: fc.constant(slots),
    }),
  );

const word = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
/** Valid single addresses, including the odd ones: tags, quotes, SMTPUTF8 local parts, IDN domains. */
const address = fc
  .tuple(
    fc.oneof(
      word,
      fc.constantFrom(
        'jane.smith',
        'jo+press',
        "o'neil",
        'news-desk_1',
        'a!#$%&*+/=?^_`{|}~b',
        'siân',
        'x'.repeat(64),
      ),
    ),
    fc.oneof(
      fc
        .tuple(word, fc.constantFrom('org', 'co.uk', 'cymru', 'example'))
        .map(([d, t]) => `${d}.${t}`),
      fc.constantFrom('bbc.co.uk', 'münchen.example', 'sub.domain.example.com'),
    ),
  )
  .map(([local, domain]) => `${local}@${domain}`);

/** Names with no line breaks (those are refused): non-ASCII, long, quotes, commas, encoded-word look-alikes. */
const name = fc.option(
  fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\r\n\0]/.test(s)),
    fc.constantFrom(
      'Jane Smith',
      'Siân Ŵyn 👩🏽‍💻',
      'Jo <b>"O\'Neil"</b> & Co',
      'Smith, Jane (BBC)',
      '=?UTF-8?B?QmNjOg==?=',
      'محمد الأحمد',
      'Łódź współpracuje '.repeat(8),
      '  padded  ',
    ),
  ),
  { nil: undefined },
);
const recipient: fc.Arbitrary<Recipient> = fc
  .tuple(address, name)
  .map(([email, n]) => (n === undefined ? { email } : { email, name: n }));

/** https URLs of printable ASCII, with the characters HTML must escape (& " '), up to 900 characters. */
const unsubscribeUrl = fc
  .tuple(
    fc.constantFrom(
      'https://unsubscribe.example.org/u',
      'https://abc.lambda-url.eu-west-2.on.aws/',
    ),
    fc.stringMatching(/^[A-Za-z0-9_\-.~%&"'=!$()*+,;:@/?]{0,120}$/),
    fc.integer({ min: 0, max: 760 }),
  )
  .map(([base, query, pad]) => `${base}?t=${query}${'a'.repeat(pad)}`);

const options: fc.Arbitrary<MimeOptions> = fc.record(
  {
    from: fc.constantFrom(
      FROM,
      'press@example.org',
      '"Cyngor Glan-yr-Afon" <wasg@glanyrafon.cymru>',
    ),
    unsubscribeUrl,
    unsubscribeMailto: fc.constantFrom('mailto:unsubscribe@example.org?subject=unsubscribe'),
    configurationSet: fc.constantFrom('herald-press', 'a_b-1'),
    date: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    fixed: fc.record({
      baseBoundary: fc.stringMatching(/^[0-9a-f]{16}$/),
      messageId: fc.uuid().map((id) => `<${id}@example.org>`),
    }),
  },
  { requiredKeys: ['from', 'unsubscribeUrl', 'date', 'fixed'] },
);

function email(overrides: Partial<RenderedEmail>): RenderedEmail {
  return {
    statementId: 'bscp-2024-02-scr',
    revision: 1,
    language: 'en-GB',
    subject: 'EMBARGOED until 00:01 GMT, Wednesday 21 February 2024: Publication',
    html: { parts: ['<p>', '</p>'], slots: ['greeting'] },
    text: { parts: ['', '\n\nBody\n'], slots: ['greeting'] },
    replyTo: { name: 'Lawrence Vos', address: 'lawrence.vos@example.org' },
    ...overrides,
  };
}

const both = async (e: RenderedEmail, r: Recipient, o: MimeOptions) => {
  const fast = await buildRawMessage(e, r, o);
  const reference = await composeRawMessage(e, r, o);
  return { fast, reference };
};

// ── Byte for byte ───────────────────────────────────────────────────────────

describe('buildRawMessage is byte for byte what MailComposer builds', () => {
  it('property: for the rendered sample email and any journalist', async () => {
    await fc.assert(
      fc.asyncProperty(recipient, options, async (r, o) => {
        const { fast, reference } = await both(sample, r, o);
        expect(fast.toString('latin1')).toBe(reference.toString('latin1'));
      }),
      { numRuns: 300 },
    );
  });

  it('property: for any body shape (slots anywhere, odd line breaks, trailing blanks, long lines)', async () => {
    await fc.assert(
      fc.asyncProperty(slotted, slotted, recipient, options, async (text, html, r, o) => {
        const e = email({ text, html });
        const { fast, reference } = await both(e, r, o);
        expect(fast.toString('latin1')).toBe(reference.toString('latin1'));
      }),
      { numRuns: 400 },
    );
  });

  it('holds for an HTML part longer than nodemailer encodes in one slice (64 KiB)', async () => {
    const long = `<p>${'Paragraph of text with an ümlaut and = signs. '.repeat(1800)}</p>`;
    const e = email({
      html: {
        parts: [long, `<a href="`, `">Unsubscribe</a>${long}`],
        slots: ['greeting', 'unsubscribeUrl'],
      },
    });
    const o: MimeOptions = {
      from: FROM,
      unsubscribeUrl: 'https://u.example.org/u?t=1&r=2',
      date: new Date('2024-02-20T09:00:00Z'),
      fixed: { baseBoundary: '0123456789abcdef', messageId: '<m@example.org>' },
    };
    for (const r of [{ email: 'a@example.org' }, { email: 'b@example.org', name: 'Bea Ŵyn' }]) {
      const { fast, reference } = await both(e, r, o);
      expect(fast.toString('latin1')).toBe(reference.toString('latin1'));
    }
  });

  it('holds when a part is empty for this journalist (MailComposer leaves it out)', async () => {
    const e = email({ text: { parts: ['', '\n\n'], slots: ['greeting'] } });
    const o: MimeOptions = {
      from: FROM,
      unsubscribeUrl: 'https://u.example.org/u?t=1',
      date: new Date(0),
      fixed: { baseBoundary: 'aaaaaaaaaaaaaaaa', messageId: '<m@example.org>' },
    };
    const { fast, reference } = await both(e, { email: 'desk@example.org' }, o);
    expect(fast.toString('latin1')).toBe(reference.toString('latin1'));
    const parsed = await simpleParser(fast);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'text/html' });
    expect(parsed.html).toContain('<p></p>');
  });

  it('notices a rendered email changed after a message was built from it', async () => {
    const e = email({});
    const o: MimeOptions = { from: FROM, unsubscribeUrl: 'https://u.example.org/u' };
    expect((await simpleParser(await buildRawMessage(e, { email: 'a@example.org' }, o))).html).toBe(
      '<p></p>',
    );
    e.html.parts[1] = '</p><p>Changed';
    expect((await simpleParser(await buildRawMessage(e, { email: 'a@example.org' }, o))).html).toBe(
      '<p></p><p>Changed',
    );
    e.subject = 'A new subject';
    expect(
      (await simpleParser(await buildRawMessage(e, { email: 'a@example.org' }, o))).subject,
    ).toBe('A new subject');
  });

  it('takes a PreparedEmail as well as a RenderedEmail', async () => {
    const o: MimeOptions = {
      from: FROM,
      unsubscribeUrl: 'https://u.example.org/u?t=1',
      date: new Date(0),
      fixed: { baseBoundary: 'bbbbbbbbbbbbbbbb', messageId: '<m@example.org>' },
    };
    const r = { email: 'jane@example.org', name: 'Jane' };
    expect(
      (await buildRawMessage(prepareEmail(sample), r, o)).equals(
        await composeRawMessage(sample, r, o),
      ),
    ).toBe(true);
  });
});

// ── Prepared by ingest, stored, spliced by send ─────────────────────────────

/** What send reads back from email.json: the stored preparation after a JSON round trip. */
const viaJson = (e: RenderedEmail, sender: Parameters<typeof storedMimeFor>[1]): StoredMime => {
  const stored = storedMimeFor(e, sender);
  if (!stored) throw new Error('MailComposer headers were not the expected shape');
  return JSON.parse(JSON.stringify(stored)) as StoredMime;
};

const pinned = (o: MimeOptions) => (o.fixed ? { fixed: o.fixed } : {});

describe('a preparation stored with the email (what ingest writes for send)', () => {
  it('property: after a JSON round trip, gives the bytes MailComposer builds', async () => {
    await fc.assert(
      fc.asyncProperty(slotted, slotted, recipient, options, async (text, html, r, o) => {
        const written = email({ text, html });
        const sender = { from: o.from, configurationSet: o.configurationSet, ...pinned(o) };
        const stored = viaJson(written, sender);
        // send parses its own copy of email.json: nothing is shared with what ingest prepared.
        const read = structuredClone(written);
        prepareForSender(read, sender, stored);
        const fast = await buildRawMessage(read, r, o);
        const reference = await composeRawMessage(written, r, o);
        expect(fast.toString('latin1')).toBe(reference.toString('latin1'));
      }),
      { numRuns: 200 },
    );
  });

  it('is what send uses for its sender: the stored boundary, not a new one', async () => {
    const sender = { from: FROM, fixed: { baseBoundary: 'c'.repeat(16), messageId: '<x@y>' } };
    const stored = viaJson(sample, sender);
    const read = structuredClone(sample);
    prepareForSender(read, { from: FROM }, stored);
    const message = await buildRawMessage(
      read,
      { email: 'jane@example.org', name: 'Jane' },
      { from: FROM, unsubscribeUrl: 'https://u.example.org/u?t=1' },
    );
    expect(message.toString('latin1')).toContain(`--_NmP-${'c'.repeat(16)}-Part_1`);
    const parsed = await simpleParser(message);
    expect(parsed.text).toContain('Dear Jane,');
    expect(parsed.html).toContain('https://u.example.org/u?t=1');
  });

  it('is left alone for another sender or configuration set: the message says who sends it now', async () => {
    const stored = viaJson(sample, { from: 'Old Sender <old@example.org>' });
    for (const sender of [
      { from: FROM },
      { from: 'Old Sender <old@example.org>', configurationSet: 'x' },
    ]) {
      const read = structuredClone(sample);
      prepareForSender(read, sender, stored);
      const parsed = await simpleParser(
        await buildRawMessage(
          read,
          { email: 'jane@example.org' },
          { ...sender, unsubscribeUrl: 'https://u.example.org/u?t=1' },
        ),
      );
      expect(parsed.from?.text).toBe(sender.from.replace(/^(.*) </, '"$1" <'));
      expect(parsed.headers.get('x-ses-configuration-set')).toBe(sender.configurationSet);
    }
  });
});

// ── What the journalist reads is unchanged ──────────────────────────────────

/** The message as send built it before the fast path: MailComposer per recipient, bodies with bare LF. */
function previousBuild(e: RenderedEmail, r: Recipient, o: MimeOptions): Promise<Buffer> {
  const values = {
    unsubscribeUrl: o.unsubscribeUrl,
    greeting: r.name?.trim() ? `Dear ${r.name.trim()},` : '',
  };
  const headers: Record<string, string> = {
    'List-Unsubscribe': [o.unsubscribeUrl, o.unsubscribeMailto]
      .filter((u): u is string => u !== undefined)
      .map((u) => `<${u}>`)
      .join(', '),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'X-Herald-Statement': `${e.statementId}; revision=${e.revision}`,
  };
  if (o.configurationSet) headers['X-SES-CONFIGURATION-SET'] = o.configurationSet;
  const composer = new MailComposer({
    from: o.from,
    to: r.name?.trim() ? { name: r.name.trim(), address: r.email } : r.email,
    ...(e.replyTo ? { replyTo: e.replyTo } : {}),
    subject: e.subject,
    text: fillSlots(e.text, values).replace(/^\n+/, ''),
    html: fillSlots(e.html, values, escapeHtml),
    headers,
    ...(o.date ? { date: o.date } : {}),
  });
  return composer.compile().build();
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value);

/** What a reader sees: the headers a client shows or acts on, and both parts. */
function reading(m: ParsedMail) {
  // mailparser folds List-* headers into one structured `list` value; the raw lines say exactly what was sent.
  const line = (key: string) => m.headerLines.find((h) => h.key === key)?.line;
  return {
    from: addresses(m.from),
    to: addresses(m.to),
    replyTo: addresses(m.replyTo),
    subject: m.subject,
    date: m.date?.toISOString(),
    listUnsubscribe: line('list-unsubscribe')?.replace(/\r\n[ \t]/g, ' '),
    listUnsubscribePost: line('list-unsubscribe-post'),
    statement: m.headers.get('x-herald-statement'),
    configurationSet: m.headers.get('x-ses-configuration-set'),
    text: m.text,
    html: m.html,
  };
}

describe('what the journalist reads is what the previous build gave', () => {
  it('property: mailparser reads the same headers, text and HTML', async () => {
    await fc.assert(
      fc.asyncProperty(recipient, options, async (r, o) => {
        const [now, before] = await Promise.all([
          buildRawMessage(sample, r, o).then((b) => simpleParser(b)),
          previousBuild(sample, r, o).then((b) => simpleParser(b)),
        ]);
        expect(reading(now)).toEqual(reading(before));
        expect(reading(now).listUnsubscribePost).toBe(
          'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
        );
      }),
      { numRuns: 60 },
    );
  });

  it('ends every line with CRLF (no bare LF for a strict mail server to refuse)', async () => {
    const message = await buildRawMessage(
      sample,
      { email: 'jane@example.org', name: 'Jane' },
      { from: FROM, unsubscribeUrl: `https://u.example.org/u?t=${randomUUID()}` },
    );
    expect(message.toString('latin1')).not.toMatch(/[^\r]\n|\r[^\n]/);
    expect(message.toString('latin1')).toMatch(/\r\n$/);
  });
});
