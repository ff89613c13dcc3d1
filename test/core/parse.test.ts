import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStatement, type StatementParseResult } from '../../core/statement/parse';
import type { StatementInput } from '../../core/statement/schema';
import type { Issue } from '../../core/types';
import { editDistance, suggestKey } from '../../core/validation/issues';
import { lineColumn, readJsonObject } from '../../core/validation/json';
import { sampleInput } from '../fixtures/statements';

const now = new Date('2024-02-20T12:00:00Z');

function parse(input: Uint8Array | string, at: Date = now): StatementParseResult {
  return parseStatement(input, { now: at });
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** The sample with fields replaced; `undefined` removes a field. */
function sample(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = { ...sampleInput() };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[key];
    else base[key] = value;
  }
  return base;
}

function errorsOf(result: StatementParseResult): Issue[] {
  if (result.ok) throw new Error(`expected errors, got a valid statement`);
  return result.errors;
}

function errorAt(result: StatementParseResult, path: string): string {
  const issue = errorsOf(result).find((i) => i.path === path);
  if (!issue) {
    throw new Error(`no error at "${path}": ${JSON.stringify(errorsOf(result), null, 2)}`);
  }
  return issue.message;
}

describe('parseStatement: valid statements', () => {
  it('accepts the founding sample and applies defaults', () => {
    const result = parse(json(sample()));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.statement.headline).toBe('Publication of a Serious Case Review');
    expect(result.statement.status).toBe('publish');
    expect(result.statement.schemaVersion).toBe(1);
    expect(result.warnings).toEqual([]);
  });

  it('returns the sha256 of the raw bytes', () => {
    const text = json(sample());
    const result = parse(text);
    expect(result.ok && result.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Same content, different bytes (a trailing newline): a different hash.
    const other = parse(`${text}\n`);
    expect(other.ok && result.ok && other.sha256 !== result.sha256).toBe(true);
    // String and bytes of the same text hash the same.
    const bytes = parse(new TextEncoder().encode(text));
    expect(bytes.ok && result.ok && bytes.sha256 === result.sha256).toBe(true);
  });

  it('accepts a UTF-8 byte-order mark', () => {
    const bytes = new TextEncoder().encode(`\uFEFF${json(sample())}`);
    expect(bytes[0]).toBe(0xef);
    expect(parse(bytes).ok).toBe(true);
  });

  it('keeps non-ASCII text and emoji intact', () => {
    const result = parse(
      json(sample({ headline: 'Llyfrgelloedd ar agor yn hwyrach 📚 – Siân Prŷs' })),
    );
    expect(result.ok && result.statement.headline).toBe(
      'Llyfrgelloedd ar agor yn hwyrach 📚 – Siân Prŷs',
    );
  });
});

describe('parseStatement: embargo', () => {
  const until = '2024-02-21T00:01:00Z';
  const withEmbargo = (at: Date) =>
    parse(json(sample({ embargo: { until, timezone: 'Europe/London' } })), at);

  it('reports an embargo still in force, shown in its time zone', () => {
    const result = withEmbargo(now);
    expect(result.ok && result.embargo).toEqual({
      until: '2024-02-21T00:01:00.000Z',
      timezone: 'Europe/London',
      display: '00:01 GMT, Wednesday 21 February 2024',
    });
    expect(result.warnings).toEqual([]);
  });

  it('reports no embargo in force once the lift has passed (the lifecycle decides and warns)', () => {
    const result = withEmbargo(new Date('2024-03-01T09:00:00Z'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.embargo).toBeNull();
    expect(result.warnings).toEqual([]);
  });

  it('has lifted exactly at the lift time, and not a minute before', () => {
    const atLift = withEmbargo(new Date(until));
    expect(atLift.ok && atLift.embargo).toBeNull();
    const minuteBefore = withEmbargo(new Date(Date.parse(until) - 60_000));
    expect(minuteBefore.ok && minuteBefore.embargo?.until).toBe('2024-02-21T00:01:00.000Z');
  });

  it('uses the default time zone when the embargo has none', () => {
    const result = parseStatement(
      json(sample({ embargo: { until: '2031-06-10T10:00:00+01:00' } })),
      {
        now,
        defaultTimezone: 'Europe/London',
      },
    );
    expect(result.ok && result.embargo?.display).toBe('10:00 BST, Tuesday 10 June 2031');
  });
});

describe('parseStatement: one rule at a time', () => {
  it('rejects an unknown field with a did-you-mean hint', () => {
    const { headline, ...rest } = sample();
    const result = parse(json({ ...rest, headlin: headline }));
    expect(errorAt(result, 'headlin')).toBe('Unknown field "headlin": did you mean "headline"?');
    expect(errorAt(result, 'headline')).toMatch(/^headline is required: /);
  });

  it('suggests a known key nested inside lists and optional objects', () => {
    const result = parse(
      json(
        sample({
          links: [{ label: 'Review', URL: 'https://example.org/r' }],
          mediaContact: { name: 'Jo', emial: 'jo@example.org', phone: '0121 303 1888' },
        }),
      ),
    );
    expect(errorAt(result, 'links.0.URL')).toMatch(/did you mean "url"\?/);
    expect(errorAt(result, 'mediaContact.emial')).toMatch(/did you mean "email"\?/);
  });

  it('lists allowed fields when nothing is close', () => {
    const result = parse(json(sample({ signoff: { name: 'Penny', wibble: 1 } })));
    expect(errorAt(result, 'signoff.wibble')).toBe(
      'Unknown field "wibble": remove it or check its spelling. Fields allowed here: name, role.',
    );
  });

  it('names every missing required field', () => {
    const result = parse(json({ id: 'abc-123' }));
    const paths = errorsOf(result).map((i) => i.path);
    expect(paths).toEqual(['organisation', 'issued', 'headline', 'body', 'mediaContact']);
    for (const issue of errorsOf(result)) expect(issue.message).toMatch(/ is required: add "/);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a bad id', { id: 'BSCP 2024' }, 'id', /lower-case letters, digits and dashes/],
    ['a line break in the headline', { headline: 'One\nTwo' }, 'headline', /on one line/],
    ['a carriage return in the headline', { headline: 'One\rTwo' }, 'headline', /on one line/],
    ['a NUL in the subheading', { subheading: 'One\u0000Two' }, 'subheading', /NUL character/],
    ['a tab in the headline', { headline: 'One\tTwo' }, 'headline', /a tab \(U\+0009\)/],
    [
      'an escape character in the headline',
      { headline: 'One\u001bTwo' },
      'headline',
      /invisible control character \(U\+001B\)/,
    ],
    [
      'a DEL in the signoff name',
      { signoff: { name: 'Penny\u007f' } },
      'signoff.name',
      /control character \(U\+007F\)/,
    ],
    [
      'a control character in a link address',
      { links: [{ label: 'Review', url: 'https://example.org/\u0001' }] },
      'links.0.url',
      /invisible or broken character/,
    ],
    [
      'a lone surrogate in the headline',
      { headline: 'Caf\ud800' },
      'headline',
      /broken character \(an unpaired surrogate\); retype it/,
    ],
    [
      'a lone low surrogate in the body',
      { body: 'Text \udc00 more' },
      'body',
      /broken character \(an unpaired surrogate\)/,
    ],
    [
      'a lone surrogate in a social override',
      { social: { text: { bluesky: 'Post \ud83d' } } },
      'social.text.bluesky',
      /broken character \(an unpaired surrogate\)/,
    ],
    [
      'a language tag over 35 characters',
      { language: `en-${'a'.repeat(8)}-${'b'.repeat(8)}-${'c'.repeat(8)}-${'d'.repeat(8)}` },
      'language',
      /35 characters or fewer/,
    ],
    ['a topic over 64 characters', { topics: ['a'.repeat(65)] }, 'topics.0', /64 characters/],
    [
      'a hashtag over 64 characters',
      { social: { hashtags: ['A'.repeat(65)] } },
      'social.hashtags.0',
      /64 characters/,
    ],
    ['a headline over 140 characters', { headline: 'x'.repeat(141) }, 'headline', /140 characters/],
    [
      'an http link',
      { links: [{ label: 'Review', url: 'http://example.org/review' }] },
      'links.0.url',
      /https:\/\//,
    ],
    [
      'a javascript: link',
      { links: [{ label: 'Review', url: 'javascript:alert(1)' }] },
      'links.0.url',
      /https:\/\//,
    ],
    ['an impossible date', { issued: '2023-02-29' }, 'issued', /real calendar date/],
    [
      'an embargo without an offset',
      { embargo: { until: '2024-02-21T00:01:00' } },
      'embargo.until',
      /offset/,
    ],
    [
      'an unknown time zone',
      { embargo: { until: '2024-02-21T00:01:00Z', timezone: 'Europe/Birmingham' } },
      'embargo.timezone',
      /IANA/,
    ],
    ['revision 2 without a correction', { revision: 2 }, 'correction', /needs "correction"/],
    ['a withdrawal without a reason', { status: 'withdraw' }, 'withdrawalReason', /why/],
    [
      'a media contact without email or phone',
      { mediaContact: { name: 'Lawrence Vos' } },
      'mediaContact',
      /email or a phone/,
    ],
    [
      'eleven links',
      {
        links: Array.from({ length: 11 }, (_, i) => ({
          label: `L${i}`,
          url: `https://example.org/${i}`,
        })),
      },
      'links',
      /at most 10 links/,
    ],
    ['a revision in quotes', { revision: '2' }, 'revision', /whole number/],
    ['an unknown kind', { kind: 'news' }, 'kind', /press-release/],
    [
      'a hashtag with #',
      { social: { hashtags: ['#Safeguarding'] } },
      'social.hashtags.0',
      /without the #/,
    ],
  ])('rejects %s', (_name, overrides, path, message) => {
    expect(errorAt(parse(json(sample(overrides))), path)).toMatch(message);
  });

  it('rejects every C0 control character and DEL inside a single-line field', () => {
    const controls = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f].map((c) =>
      String.fromCharCode(c),
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.constantFrom(...controls),
        fc.string({ minLength: 1, maxLength: 40 }),
        (before, control, after) => {
          // Trimming would remove a control at either end, so keep one visible character each side.
          const headline = `x${before}${control}${after}x`;
          fc.pre(headline.length <= 140);
          const message = errorAt(parse(json(sample({ headline }))), 'headline');
          expect(message).toMatch(
            control === '\r' || control === '\n' ? /on one line/ : /control character|a tab|NUL/,
          );
        },
      ),
    );
  });

  it('accepts surrogate pairs (emoji) but not either half alone', () => {
    expect(parse(json(sample({ headline: 'Hub opens 🎉', body: 'Hello 👋🏽 all' }))).ok).toBe(true);
    fc.assert(
      fc.property(
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.string({ maxLength: 20 }),
        (code, text) => {
          const body = `${text} ${String.fromCharCode(code)} end`;
          expect(errorAt(parse(json(sample({ body }))), 'body')).toMatch(/unpaired surrogate/);
        },
      ),
    );
  });

  it('gives schema-less parts a plain-English message, never zod jargon', () => {
    const result = parse(json(sample({ channels: { press: 'yes' } })));
    const message = errorAt(result, 'channels.press');
    expect(message).toMatch(/true or false/);
    expect(message).not.toMatch(/Invalid input|expected boolean/);
  });
});

describe('parseStatement: all errors at once, in document order', () => {
  it('reports every problem in one go', () => {
    const text = json({
      ...sample({ revision: 2, issued: '2023-02-29', headline: 'A\nB' }),
      links: [{ label: 'x', url: 'http://example.org' }],
      sumary: 'Typo',
    });
    const paths = errorsOf(parse(text)).map((i) => i.path);
    // Missing fields first, then the rest in the order they appear in the file.
    expect(paths).toEqual(['correction', 'issued', 'headline', 'links.0.url', 'sumary']);
  });

  it('sorts issues by where their field appears in the file', () => {
    const text = [
      '{',
      '  "zzz": 1,',
      '  "id": "BAD ID",',
      '  "organisation": {"name": "Council"},',
      '  "issued": "2024-02-31",',
      '  "headline": "H",',
      '  "body": "B",',
      '  "mediaContact": {"name": "M"}',
      '}',
    ].join('\n');
    expect(errorsOf(parse(text)).map((i) => i.path)).toEqual([
      'zzz',
      'id',
      'issued',
      'mediaContact',
    ]);
  });

  it('reports a repeated field name', () => {
    const text = '{"id": "abc-1", "id": "abc-2"}';
    expect(errorAt(parse(text), 'id')).toMatch(/given twice/);
  });
});

describe('parseStatement: reading the file', () => {
  it('rejects an empty or blank file', () => {
    expect(errorAt(parse(''), '')).toMatch(/empty/);
    expect(errorAt(parse(' \n\t \r\n'), '')).toMatch(/only spaces or blank lines/);
  });

  it('rejects a file over 256 KB', () => {
    const body = 'Text. '.repeat(60_000);
    expect(errorAt(parse(json(sample({ body }))), '')).toMatch(/256 KB/);
  });

  it('rejects UTF-16 and UTF-32 with a fix', () => {
    const text = json(sample());
    const utf16le = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    expect(errorAt(parse(utf16le), '')).toMatch(/saved as UTF-16.*save it as UTF-8/);
    const noBom = new Uint8Array(Buffer.from(text, 'utf16le'));
    expect(errorAt(parse(noBom), '')).toMatch(/UTF-16/);
    const utf32 = new Uint8Array([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0]);
    expect(errorAt(parse(utf32), '')).toMatch(/UTF-32/);
  });

  it('rejects invalid UTF-8 and says where', () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{\n  "headline": "Caf'),
      0xe9,
      0x22,
      0x7d,
    ]);
    expect(errorAt(parse(bytes), '')).toMatch(/^line 2, column 19: the file is not valid UTF-8/);
  });

  it.each([
    ['{\n  "id": "abc",\n}', 'line 2, column 14: remove this comma'],
    [
      '{\n  "id": "abc"\n  "headline": "x"\n}',
      'line 3, column 3: a comma is missing at the end of line 2',
    ],
    ["{'id': 'abc'}", 'line 1, column 2: use double quotes'],
    ['{"id": “abc”}', 'line 1, column 8: curly quotes'],
    ['{"id": "abc"', 'line 1, column 13: the file ends before the { on line 1, column 1'],
    ['{"revision": 01}', 'line 1, column 14: a number cannot start with 0'],
    ['{"id": "a\nb"}', 'line 1, column 10: text in double quotes cannot run onto the next line'],
    ['{"id": TRUE}', 'line 1, column 8: unexpected word TRUE'],
    ['{"id": 1} {}', 'line 1, column 11: unexpected "{" after the end of the data'],
    ['{\n  // comment\n  "id": 1}', 'line 2, column 3: JSON does not allow comments'],
  ])('explains the syntax error in %j with line and column', (text, expected) => {
    expect(errorAt(parse(text), '')).toContain(expected);
  });

  it('counts lines and columns from the start of the text', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });

  it('rejects a root that is not an object', () => {
    expect(errorAt(parse('[1, 2]'), '')).toMatch(/one JSON object.*a list/);
    expect(errorAt(parse('"text"'), '')).toMatch(/one JSON object/);
    expect(errorAt(parse('null'), '')).toMatch(/one JSON object/);
  });

  it('rejects deep nesting without overflowing the stack', () => {
    const deep = `{"topics": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(errorAt(parse(deep), '')).toMatch(/nested more than 32 levels/);
    const unclosed = '['.repeat(200_000);
    expect(errorAt(parse(unclosed), '')).toMatch(/nested more than 32 levels/);
  });

  it('lets a caller choose the size limit and depth', () => {
    const result = readJsonObject('{"a": [[1]]}', { maxBytes: 5 });
    expect(result.ok).toBe(false);
    expect(readJsonObject('{"a": [[1]]}', { maxBytes: 100, maxDepth: 2 }).ok).toBe(false);
    expect(readJsonObject('{"a": [[1]]}', { maxBytes: 100, maxDepth: 3 }).ok).toBe(true);
  });
});

describe('parseStatement: prototype pollution', () => {
  it('never lets __proto__ reach a prototype, and reports it as an unknown field', () => {
    const text = `{"__proto__": {"polluted": true}, ${json(sample()).slice(1)}`;
    const result = parse(text);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(errorAt(result, '__proto__')).toMatch(/Unknown field "__proto__"/);
  });

  it('reports constructor and prototype keys at any depth', () => {
    const text = json({
      ...sample(),
      organisation: { name: 'Council', constructor: { prototype: { polluted: true } } },
      links: [{ label: 'x', url: 'https://example.org', prototype: 1 }],
    });
    const result = parse(text);
    expect(errorAt(result, 'organisation.constructor')).toMatch(/Unknown field/);
    expect(errorAt(result, 'links.0.prototype')).toMatch(/Unknown field/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseStatement: warnings', () => {
  it('warns that a correction on revision 1 is ignored', () => {
    const result = parse(json(sample({ correction: 'Fixed a typo.' })));
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => w.path)).toEqual(['correction']);
    expect(result.warnings[0]?.message).toMatch(/ignored on revision 1/);
  });

  it('warns that a withdrawal reason on a published statement is ignored', () => {
    const result = parse(json(sample({ withdrawalReason: 'Oops.' })));
    expect(result.ok && result.warnings.map((w) => w.path)).toEqual(['withdrawalReason']);
  });

  it('warns when every channel is off', () => {
    const result = parse(
      json(sample({ channels: { press: false, partners: false, website: false } })),
    );
    expect(result.ok && result.warnings[0]?.message).toMatch(/nothing will be sent/);
  });
});

describe('did you mean', () => {
  it('prefers a case-insensitive match', () => {
    expect(suggestKey('HEADLINE', ['headline', 'subheading'])).toBe('headline');
    expect(suggestKey('media_contact', ['mediaContact'])).toBe('mediaContact');
  });

  it('finds close typos, but not unrelated words', () => {
    const known = Object.keys(sampleInput() as StatementInput);
    expect(suggestKey('organization', known)).toBe('organisation');
    expect(suggestKey('haedline', known)).toBe('headline');
    expect(suggestKey('summery', [...known, 'summary'])).toBe('summary');
    expect(suggestKey('colour', known)).toBeUndefined();
  });

  it('counts edits, with a swap as one', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('parseStatement: never throws', () => {
  const verdict = (result: StatementParseResult) => {
    expect(result.ok || result.errors.length >= 1).toBe(true);
  };

  it('for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        verdict(parse(text));
      }),
    );
  });

  it('for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        verdict(parse(bytes));
      }),
    );
  });

  it('for arbitrary JSON values and mutated statements', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        verdict(parse(JSON.stringify(value)));
      }),
    );
    const text = json(sample());
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.string({ maxLength: 3 }), (at, insert) => {
        verdict(parse(text.slice(0, at) + insert + text.slice(at + 1)));
      }),
    );
  });

  it('agrees with JSON.parse about what is valid JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json({ maxDepth: 5 }),
          fc.string({ maxLength: 40 }),
          fc
            .tuple(
              fc.json({ maxDepth: 4 }),
              fc.nat(40),
              fc.constantFrom(',', '}', ']', '"', ':', ' ', '0', '\n'),
            )
            .map(([t, at, ch]) => t.slice(0, at) + ch + t.slice(at)),
        ),
        (text) => {
          fc.pre(text.trim() !== '');
          let parsed: unknown;
          let valid = true;
          try {
            parsed = JSON.parse(text);
          } catch {
            valid = false;
          }
          const result = readJsonObject(text, { maxBytes: 1_000_000 });
          const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
          expect(result.ok).toBe(valid && isObject);
          // Invalid JSON is always explained by the scanner, with a position.
          if (!valid && !result.ok)
            expect(result.errors[0]?.message).toMatch(/^line \d+, column \d+: /);
        },
      ),
    );
  });
});
