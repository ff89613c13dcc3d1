import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  buildPartnerMessage,
  MAX_PARTNER_MESSAGE_BYTES,
  MAX_SNS_ATTRIBUTES,
  PartnerMessageTooLargeError,
  partnerMessageBytes,
  partnerMessageSchema,
} from '../../core/envelope';
import { renderStatementText } from '../../core/render/email';
import { checkSocialOverrides, renderSocial } from '../../core/social';
import { LIMITS } from '../../core/statement/primitives';
import type { Statement, StatementInput } from '../../core/statement/schema';
import type {
  EmbargoInfo,
  PartnerEnvelope,
  PartnerMessageType,
  PartnerStatementMessage,
  RenderedStatement,
  SocialCopy,
} from '../../core/types';
import { sampleStatement } from '../fixtures/statements';

const EMBARGO: EmbargoInfo = {
  until: '2024-02-21T00:01:00.000Z',
  timezone: 'Europe/London',
  display: '00:01 GMT, Wednesday 21 February 2024',
};
const BEFORE_LIFT = new Date('2024-02-20T09:00:00.000Z');
const AFTER_LIFT = new Date('2024-02-21T00:01:00.000Z');

/** The parts of a render the envelope uses, without running MJML. */
function rendered(
  statement: Statement,
  embargo: EmbargoInfo | null,
  social?: SocialCopy,
): RenderedStatement {
  return {
    email: {
      statementId: statement.id,
      revision: statement.revision,
      language: statement.language,
      subject: statement.headline,
      html: { parts: [''], slots: [] },
      text: { parts: [''], slots: [] },
      replyTo: null,
    },
    social: social ?? renderSocial(statement, embargo),
    plainText: renderStatementText(statement, embargo),
    embargo,
  };
}

function build(
  statement: Statement,
  type: PartnerMessageType,
  options: { embargo?: EmbargoInfo | null; sentAt?: Date } = {},
) {
  const embargo = options.embargo === undefined ? EMBARGO : options.embargo;
  return buildPartnerMessage(
    statement,
    rendered(statement, embargo),
    type,
    options.sentAt ?? BEFORE_LIFT,
  );
}

/** A published/corrected/released message (the ones that carry the statement). */
function statementMessage(message: PartnerEnvelope): PartnerStatementMessage {
  if (message.type === 'statement.withdrawn') throw new Error('expected a statement message');
  return message;
}

describe('buildPartnerMessage: what a partner receives', () => {
  it('matches PartnerEnvelope exactly, as a type and as the published JSON Schema', () => {
    // Each assignable to the other (toEqualTypeOf mis-handles the facet feature union).
    expectTypeOf<z.output<typeof partnerMessageSchema>>().toExtend<PartnerEnvelope>();
    expectTypeOf<PartnerEnvelope>().toExtend<z.output<typeof partnerMessageSchema>>();
    const schema = z.toJSONSchema(partnerMessageSchema);
    const [statementBranch, withdrawalBranch] = schema.anyOf ?? [];
    expect(statementBranch?.required).toEqual(
      expect.arrayContaining([
        'type',
        'version',
        'dedupeKey',
        'sentAt',
        'statement',
        'content',
        'social',
        'links',
      ]),
    );
    expect(withdrawalBranch?.required).toEqual([
      'type',
      'version',
      'dedupeKey',
      'sentAt',
      'statement',
    ]);
  });

  it('sends the sample as a valid, versioned envelope whose body is its JSON', () => {
    const statement = sampleStatement();
    const built = build(statement, 'statement.published');
    const { body } = built;
    const message = statementMessage(built.message);
    expect(partnerMessageSchema.parse(JSON.parse(body))).toEqual(message);
    expect(message.version).toBe(1);
    expect(message.dedupeKey).toBe('bscp-2024-02-scr#1#statement.published');
    expect(message.sentAt).toBe('2024-02-20T09:00:00.000Z');
    expect(message.statement.organisation).toEqual({
      name: 'Birmingham Safeguarding Children Partnership',
      shortName: 'BSCP',
      website: 'https://www.lscpbirmingham.org.uk',
    });
    expect(message.statement.embargo).toEqual(EMBARGO);
    expect(message.statement.summary).toMatch(
      /^Birmingham Safeguarding Children Partnership have today published/,
    );
    expect(message.content.text).toBe(renderStatementText(statement, EMBARGO));
    expect(message.content.text).toContain('Publication of a Serious Case Review');
    expect(message.links).toEqual([
      {
        label: 'Learning from reviews',
        url: 'https://lscpbirmingham.org.uk/case-reviews-and-audits/learning-from-reviews',
      },
    ]);
    expect(message.social.x.notBefore).toBe(EMBARGO.until);
  });

  it('gives the dedupe key <id>#<revision>#<type> so redeliveries can be dropped', () => {
    const corrected = sampleStatement({
      revision: 3,
      correction: 'Corrected the helpline number.',
    });
    expect(build(corrected, 'statement.corrected').message.dedupeKey).toBe(
      'bscp-2024-02-scr#3#statement.corrected',
    );
    const again = build(corrected, 'statement.corrected', {
      sentAt: new Date('2024-02-20T10:00:00Z'),
    });
    expect(again.message.dedupeKey).toBe('bscp-2024-02-scr#3#statement.corrected');
  });

  it('sets the five filter attributes with the SNS data types partners filter on', () => {
    const { attributes } = build(sampleStatement(), 'statement.published');
    expect(attributes).toEqual({
      type: { DataType: 'String', StringValue: 'statement.published' },
      organisation: { DataType: 'String', StringValue: 'BSCP' },
      topics: { DataType: 'String.Array', StringValue: '["safeguarding","case-reviews"]' },
      embargoed: { DataType: 'String', StringValue: 'true' },
      kind: { DataType: 'String', StringValue: 'partnership-statement' },
    });
    expect(Object.keys(attributes).length).toBeLessThanOrEqual(MAX_SNS_ATTRIBUTES);
  });

  it('uses the organisation name when there is no short name, and [] for no topics', () => {
    const statement = sampleStatement({
      organisation: { name: 'Birmingham Safeguarding Children Partnership' },
      topics: undefined,
    });
    const { attributes } = build(statement, 'statement.published');
    expect(attributes.organisation?.StringValue).toBe(
      'Birmingham Safeguarding Children Partnership',
    );
    expect(attributes.topics).toEqual({ DataType: 'String.Array', StringValue: '[]' });
    expect(JSON.parse(attributes.topics?.StringValue ?? '')).toEqual([]);
  });

  it('marks embargoed "true" only for published/corrected messages sent before the lift', () => {
    const statement = sampleStatement();
    const flag = (type: PartnerMessageType, embargo: EmbargoInfo | null, sentAt: Date) =>
      build(statement, type, { embargo, sentAt }).attributes.embargoed?.StringValue;
    expect(flag('statement.published', EMBARGO, BEFORE_LIFT)).toBe('true');
    expect(flag('statement.corrected', EMBARGO, BEFORE_LIFT)).toBe('true');
    expect(flag('statement.released', EMBARGO, AFTER_LIFT)).toBe('false');
    expect(flag('statement.released', EMBARGO, BEFORE_LIFT)).toBe('false');
    expect(flag('statement.withdrawn', EMBARGO, BEFORE_LIFT)).toBe('false');
    expect(flag('statement.published', null, BEFORE_LIFT)).toBe('false');
    // A retry that publishes after the lift must not hold partners back.
    expect(flag('statement.published', EMBARGO, AFTER_LIFT)).toBe('false');
  });

  it('describes a withdrawal by id, revision, reference, organisation, reason and time only', () => {
    const statement = sampleStatement({
      revision: 2,
      status: 'withdraw',
      withdrawalReason: 'Published in error.',
    });
    const { message, body } = build(statement, 'statement.withdrawn');
    expect(partnerMessageSchema.parse(JSON.parse(body))).toEqual(message);
    expect(message).toEqual({
      type: 'statement.withdrawn',
      version: 1,
      dedupeKey: 'bscp-2024-02-scr#2#statement.withdrawn',
      sentAt: BEFORE_LIFT.toISOString(),
      statement: {
        id: 'bscp-2024-02-scr',
        revision: 2,
        status: 'withdraw',
        reference: 'BSCB 2018-19/01',
        organisation: {
          name: 'Birmingham Safeguarding Children Partnership',
          shortName: 'BSCP',
          website: 'https://www.lscpbirmingham.org.uk',
        },
        withdrawalReason: 'Published in error.',
        withdrawnAt: BEFORE_LIFT.toISOString(),
      },
    });
  });

  it('leaks none of the withdrawn text to partners, whatever the statement says', () => {
    const statement = sampleStatement({
      status: 'withdraw',
      withdrawalReason: 'Published in error.',
      headline: 'Secret headline about the review',
      subheading: 'Secret subheading',
      summary: 'Secret summary of what was found',
    });
    const { body, attributes } = build(statement, 'statement.withdrawn');
    for (const secret of ['Secret', 'asylum-seeking', 'Penny Thompson', 'Lawrence Vos']) {
      expect(body).not.toContain(secret);
    }
    expect(attributes.type?.StringValue).toBe('statement.withdrawn');
    expect(attributes.embargoed?.StringValue).toBe('false');
  });

  it('keeps attribute values SNS can carry even when the organisation name has control characters', () => {
    // The schema refuses these now; the envelope must cope anyway (defence in depth).
    const statement: Statement = {
      ...sampleStatement(),
      organisation: { name: 'Bad\u0001 Name\u0007 Ltd' },
    };
    const { attributes } = build(statement, 'statement.published');
    expect(attributes.organisation?.StringValue).toBe('Bad Name Ltd');
  });
});

/** `n` characters of the worst kind for a field (counted in UTF-16 units, as the schema counts). */
type Filler = (n: number) => string;
const cjk: Filler = (n) => '文'.repeat(n);
// `"` and `\` are escaped by JSON to two bytes each.
const jsonEscaped: Filler = (n) => '"\\'.repeat(Math.ceil(n / 2)).slice(0, n);
const words = (fill: Filler, n: number) => {
  // Spaces every 20 characters so word-wrapping and social truncation have somewhere to break.
  let out = '';
  while (out.length < n) out += `${fill(Math.min(19, n - out.length - 1))} `;
  return out.slice(0, n).trimEnd().padEnd(n, fill(1));
};
const url = (n: number, i = 0) => {
  const head = `https://www.example${i}.org/`;
  return head + 'a'.repeat(n - head.length);
};

/** Every field present and at its cap in LIMITS, filled with `fill`. */
function largestStatement(fill: Filler): StatementInput {
  const text = (n: number) => words(fill, n);
  return {
    id: `a${'b'.repeat(63)}`,
    revision: 999,
    status: 'publish',
    correction: text(LIMITS.reason),
    withdrawalReason: text(LIMITS.reason),
    kind: 'partnership-statement',
    reference: text(LIMITS.reference),
    organisation: {
      name: text(LIMITS.shortText),
      shortName: text(32),
      website: url(LIMITS.url, 98),
      logoUrl: url(LIMITS.url, 97),
    },
    issued: '2024-02-21',
    embargo: { until: '2024-02-21T00:01:00Z', timezone: 'Europe/London' },
    language: 'en-GB',
    headline: text(LIMITS.headline),
    subheading: text(LIMITS.subheading),
    summary: text(LIMITS.summary),
    // Paragraphs, so the plain text wraps and shortening has boundaries to use.
    body: Array.from({ length: Math.ceil(LIMITS.body / 1000) }, () => text(998))
      .join('\n\n')
      .slice(0, LIMITS.body),
    signoff: { name: text(LIMITS.shortText), role: text(LIMITS.shortText) },
    callout: text(LIMITS.callout),
    notesToEditors: text(LIMITS.notesToEditors),
    mediaContact: {
      name: text(LIMITS.shortText),
      role: text(LIMITS.shortText),
      email: `${'e'.repeat(64)}@${'d'.repeat(180)}.example`,
      phone: `+${'1'.repeat(25)}`,
    },
    links: Array.from({ length: LIMITS.links }, (_, i) => ({
      label: text(LIMITS.shortText),
      url: url(LIMITS.url, i),
    })),
    // Topic slugs and hashtags have no length cap in the schema; 64 characters is generous.
    topics: Array.from({ length: LIMITS.topics }, (_, i) => `topic-${i}-${'t'.repeat(56)}`),
    channels: { press: true, partners: true, website: true },
    social: {
      hashtags: Array.from({ length: LIMITS.hashtags }, (_, i) => `Tag${i}${'x'.repeat(60)}`),
      url: url(LIMITS.url, 99),
      // The longest overrides each platform accepts (a link counts 23 on X and Mastodon).
      text: {
        x: `${url(2900)} ${'文'.repeat(60)}`,
        bluesky: '👨‍👩‍👧‍👦'.repeat(120),
        mastodon: `${url(2500)} ${'文'.repeat(470)}`,
        linkedin: '文'.repeat(LIMITS.socialOverride),
      },
    },
  };
}

describe('size: the largest valid statement still fits SNS', () => {
  it('keeps the largest statement in 3-byte characters under 200 KB by shortening its text at a paragraph', () => {
    const statement = sampleStatement(largestStatement(cjk));
    expect(statement.body.length).toBeGreaterThan(LIMITS.body - 10);
    const render = rendered(statement, EMBARGO);
    const built = buildPartnerMessage(statement, render, 'statement.corrected', BEFORE_LIFT);
    const { body, attributes } = built;
    const message = statementMessage(built.message);
    expect(partnerMessageBytes(body, attributes)).toBeLessThan(MAX_PARTNER_MESSAGE_BYTES);
    expect(partnerMessageSchema.safeParse(JSON.parse(body)).success).toBe(true);
    const kept = message.content.text.split('\n\n');
    expect(kept.pop()).toMatch(
      /^\[Shortened to fit the partner message\. The full statement: https:/,
    );
    expect(kept.length).toBeGreaterThan(10);
    expect(render.plainText.startsWith(kept.join('\n\n'))).toBe(true);
  });

  it('sends a 40,000-character English body whole', () => {
    const paragraph = `${'The review found that agencies worked hard to support the family. '.repeat(14)}`;
    const body = Array.from({ length: 60 }, () => paragraph.trim())
      .join('\n\n')
      .slice(0, 40_000);
    const statement = sampleStatement({ body });
    const render = rendered(statement, EMBARGO);
    const built = buildPartnerMessage(statement, render, 'statement.published', BEFORE_LIFT);
    expect(partnerMessageBytes(built.body, built.attributes)).toBeLessThan(
      MAX_PARTNER_MESSAGE_BYTES,
    );
    expect(statementMessage(built.message).content.text).toBe(render.plainText);
  });

  for (const [name, fill] of [
    ['characters JSON escapes to 2 bytes (" and \\)', jsonEscaped],
  ] as const) {
    it(`stays under 200 KB with every field at its limit in ${name}, text not shortened`, () => {
      const statement = sampleStatement(largestStatement(fill));
      expect(checkSocialOverrides(statement)).toEqual([]);
      const render = rendered(statement, EMBARGO);
      const built = buildPartnerMessage(statement, render, 'statement.corrected', BEFORE_LIFT);
      const { body, attributes } = built;
      const message = statementMessage(built.message);
      expect(partnerMessageBytes(body, attributes)).toBeLessThan(MAX_PARTNER_MESSAGE_BYTES);
      expect(Buffer.byteLength(body)).toBeLessThan(200 * 1024);
      expect(partnerMessageSchema.safeParse(JSON.parse(body)).success).toBe(true);
      expect(message.content.text).toBe(render.plainText);
      expect(message.links).toHaveLength(LIMITS.links);
    });
  }
});

describe('size: defence when text escapes badly', () => {
  it('shortens content.text at a paragraph boundary and points to the full statement', () => {
    const statement = sampleStatement();
    const paragraphs = Array.from(
      { length: 400 },
      (_, i) => `Paragraph ${i}. ${'Ŵ"文 '.repeat(200)}`,
    );
    const render = { ...rendered(statement, EMBARGO), plainText: paragraphs.join('\n\n') };
    const built = buildPartnerMessage(statement, render, 'statement.published', BEFORE_LIFT);
    const { body, attributes } = built;
    const message = statementMessage(built.message);
    expect(partnerMessageBytes(body, attributes)).toBeLessThan(MAX_PARTNER_MESSAGE_BYTES);
    expect(partnerMessageSchema.safeParse(JSON.parse(body)).success).toBe(true);
    const kept = message.content.text.split('\n\n');
    const pointer = kept.pop();
    expect(pointer).toBe(
      '[Shortened to fit the partner message. The full statement: https://lscpbirmingham.org.uk/case-reviews-and-audits/learning-from-reviews]',
    );
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(paragraphs.slice(0, kept.length));
  });

  it('copes with a body of lone surrogates (6 JSON bytes each), which the schema now refuses', () => {
    const statement: Statement = {
      ...sampleStatement({ links: [] }),
      body: '\ud800'.repeat(LIMITS.body),
    };
    const render = {
      ...rendered(statement, null),
      plainText: `Intro\n\n${'\ud800 '.repeat(LIMITS.body)}`,
    };
    const built = buildPartnerMessage(statement, render, 'statement.published', BEFORE_LIFT);
    const { body, attributes } = built;
    const message = statementMessage(built.message);
    expect(partnerMessageBytes(body, attributes)).toBeLessThan(MAX_PARTNER_MESSAGE_BYTES);
    expect(
      message.content.text.endsWith('The full statement: https://www.lscpbirmingham.org.uk]'),
    ).toBe(true);
  });

  it('throws PartnerMessageTooLargeError when even the metadata is too large', () => {
    const statement = sampleStatement();
    const huge = 'x'.repeat(MAX_PARTNER_MESSAGE_BYTES);
    const social = renderSocial(statement, null);
    const render = rendered(statement, null, {
      ...social,
      linkedin: { text: huge, notBefore: null },
    });
    expect(() =>
      buildPartnerMessage(statement, render, 'statement.published', BEFORE_LIFT),
    ).toThrow(PartnerMessageTooLargeError);
  });
});
