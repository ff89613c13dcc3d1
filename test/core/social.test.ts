import fc from 'fast-check';
import twitterText from 'twitter-text';
import { describe, expect, it } from 'vitest';
import {
  checkSocialOverrides,
  renderSocial,
  SocialCopyInvalidError,
  SocialCopyTooLongError,
} from '../../core/social';
import { LONE_SURROGATE } from '../../core/statement/primitives';
import type { BlueskyFacet, EmbargoInfo, SocialCopy } from '../../core/types';
import { sampleStatement } from '../fixtures/statements';

const LONE_SURROGATE_G = new RegExp(LONE_SURROGATE.source, 'g');

const EMBARGO: EmbargoInfo = {
  until: '2024-02-21T00:01:00.000Z',
  timezone: 'Europe/London',
  display: '00:01 GMT, Wednesday 21 February 2024',
};
const SAMPLE_URL = 'https://lscpbirmingham.org.uk/case-reviews-and-audits/learning-from-reviews';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const graphemes = (text: string) => [...segmenter.segment(text)].length;
const xLength = (text: string) => twitterText.parseTweet(text.normalize('NFC'));
const facetText = (text: string, f: BlueskyFacet) =>
  Buffer.from(text).subarray(f.index.byteStart, f.index.byteEnd).toString();
/** Mastodon counts graphemes with each URL as 23 characters. */
const mastodonLength = (text: string) => {
  let countable = text;
  for (const url of twitterText.extractUrls(text, { extractUrlsWithoutProtocol: false })) {
    countable = countable.replace(url, 'x'.repeat(23));
  }
  return graphemes(countable);
};

function expectWithinLimits(copy: SocialCopy) {
  const x = xLength(copy.x.text);
  expect(x.valid).toBe(true);
  expect(x.weightedLength).toBeLessThanOrEqual(280);
  expect(graphemes(copy.bluesky.text)).toBeLessThanOrEqual(300);
  expect(Buffer.byteLength(copy.bluesky.text)).toBeLessThanOrEqual(3000);
  expect(mastodonLength(copy.mastodon.text)).toBeLessThanOrEqual(500);
  expect(copy.linkedin.text.length).toBeLessThanOrEqual(3000);
}

/** The lead of a post: everything before the link. */
const leadOfPost = (text: string, url: string) => text.slice(0, text.indexOf(url)).trimEnd();

describe('renderSocial: the founding sample', () => {
  const copy = renderSocial(sampleStatement(), EMBARGO);

  it('fits every platform as the platform counts it', () => {
    expectWithinLimits(copy);
  });

  it('carries the headline, the link and CamelCase hashtags on every platform', () => {
    for (const post of [copy.x, copy.bluesky, copy.mastodon, copy.linkedin]) {
      expect(post.text.startsWith('Publication of a Serious Case Review')).toBe(true);
      expect(post.text).toContain(SAMPLE_URL);
      expect(post.text.endsWith('#Safeguarding #Birmingham')).toBe(true);
    }
  });

  it('never says EMBARGOED: the post is gated by notBefore = the lift instant instead', () => {
    for (const post of [copy.x, copy.bluesky, copy.mastodon, copy.linkedin]) {
      expect(post.text).not.toMatch(/embargo/i);
      expect(post.notBefore).toBe('2024-02-21T00:01:00.000Z');
    }
    const open = renderSocial(sampleStatement(), null);
    expect(open.x.notBefore).toBeNull();
    expect(open.linkedin.notBefore).toBeNull();
  });

  it('shortens the summary for X with … at a word boundary, but keeps it whole on Mastodon and LinkedIn', () => {
    const firstParagraph =
      'Birmingham Safeguarding Children Partnership have today published an independent review which examines the importance of early planning and continuity of care for children with complex health needs.';
    expect(copy.mastodon.text).toContain(firstParagraph);
    expect(copy.linkedin.text).toContain(firstParagraph);
    const xLead = leadOfPost(copy.x.text, SAMPLE_URL);
    expect(xLead.endsWith('…')).toBe(true);
    const kept = xLead.slice('Publication of a Serious Case Review\n\n'.length, -1);
    expect(firstParagraph.startsWith(kept)).toBe(true);
    expect(firstParagraph[kept.length]).toBe(' ');
  });

  it('gives Bluesky a link facet whose bytes are the URL and a tag facet per hashtag', () => {
    const { text, facets } = copy.bluesky;
    const link = facets.filter((f) => f.features[0]?.$type === 'app.bsky.richtext.facet#link');
    const tags = facets.filter((f) => f.features[0]?.$type === 'app.bsky.richtext.facet#tag');
    expect(link).toHaveLength(1);
    expect(facetText(text, link[0] as BlueskyFacet)).toBe(SAMPLE_URL);
    expect(link[0]?.features[0]).toEqual({
      $type: 'app.bsky.richtext.facet#link',
      uri: SAMPLE_URL,
    });
    expect(tags.map((f) => facetText(text, f))).toEqual(['#Safeguarding', '#Birmingham']);
    expect(tags.map((f) => f.features[0])).toEqual([
      { $type: 'app.bsky.richtext.facet#tag', tag: 'Safeguarding' },
      { $type: 'app.bsky.richtext.facet#tag', tag: 'Birmingham' },
    ]);
  });
});

describe('renderSocial: content rules', () => {
  it('uses social.url, else the first link, else the organisation website', () => {
    const own = renderSocial(sampleStatement({ social: { url: 'https://example.org/own' } }), null);
    expect(own.x.text).toContain('https://example.org/own');
    expect(own.x.text).not.toContain(SAMPLE_URL);
    const website = renderSocial(sampleStatement({ links: [] }), null);
    expect(website.mastodon.text).toContain('https://www.lscpbirmingham.org.uk');
    const none = renderSocial(
      sampleStatement({
        links: [],
        organisation: { name: 'Birmingham Safeguarding Children Partnership' },
      }),
      null,
    );
    expect(
      none.bluesky.facets.some((f) => f.features[0]?.$type === 'app.bsky.richtext.facet#link'),
    ).toBe(false);
    expectWithinLimits(none);
  });

  it('capitalises the first letter of each hashtag, keeps the author’s CamelCase and drops duplicates', () => {
    const copy = renderSocial(
      sampleStatement({
        social: { hashtags: ['safeguarding', 'childProtection', 'Safeguarding', 'ŵyl2024'] },
      }),
      null,
    );
    expect(copy.linkedin.text.endsWith('#Safeguarding #ChildProtection #Ŵyl2024')).toBe(true);
  });

  it('uses the summary when given, and the body’s first paragraph as plain text otherwise', () => {
    const withSummary = renderSocial(
      sampleStatement({ summary: 'A short summary for social.' }),
      null,
    );
    expect(withSummary.mastodon.text).toContain('A short summary for social.');
    const markdown = renderSocial(
      sampleStatement({
        body: '## Heading\n\nWe **welcome** the [review](https://example.org/r) today.\n\nMore.',
      }),
      null,
    );
    expect(markdown.mastodon.text).toContain('We welcome the review today.');
    expect(markdown.mastodon.text).not.toContain('**');
  });

  it('keeps the hashtags and the URL whole when the text is shortened, cutting only between words', () => {
    const summary = 'Extraordinarily comprehensive safeguarding recommendations accompany '
      .repeat(4)
      .trim();
    const statement = sampleStatement({
      headline: 'Partnership publishes its annual safeguarding review with recommendations',
      summary,
      social: { hashtags: ['Safeguarding', 'ChildProtection', 'Birmingham', 'PressRelease'] },
    });
    const copy = renderSocial(statement, null);
    expectWithinLimits(copy);
    for (const post of [copy.x, copy.bluesky]) {
      expect(post.text).toContain(`\n\n${SAMPLE_URL}\n\n`);
      expect(post.text.endsWith('#Safeguarding #ChildProtection #Birmingham #PressRelease')).toBe(
        true,
      );
      const lead = leadOfPost(post.text, SAMPLE_URL);
      expect(lead.endsWith('…')).toBe(true);
      const full = `${statement.headline}\n\n${summary}`;
      const kept = lead.slice(0, -1);
      expect(full.startsWith(kept)).toBe(true);
      expect(full[kept.length]).toMatch(/\s/);
    }
  });

  it('never cuts inside a URL written in the summary', () => {
    const url = 'https://www.example.org/reports/2024/annual-safeguarding-review-full-text';
    const summary = `${'Read the review in full at '.repeat(3)}${url} ${'and share it with colleagues '.repeat(6)}`;
    const copy = renderSocial(sampleStatement({ summary: summary.trim().slice(0, 280) }), null);
    expectWithinLimits(copy);
    for (const post of [copy.x, copy.bluesky, copy.mastodon]) {
      const lead = leadOfPost(post.text, SAMPLE_URL);
      // The summary URL is either whole or gone, never partly there.
      const partial = lead.includes('https://www.example.org') && !lead.includes(url);
      expect(partial).toBe(false);
    }
  });

  it('puts Welsh, Polish and emoji text before the URL without breaking Bluesky byte offsets', () => {
    const copy = renderSocial(
      sampleStatement({
        headline: 'Dathlu’r ŵyl 🎉👩🏽‍⚕️ — Łódź współpracuje',
        summary: 'Croeso i bawb 🇬🇧 ac ŵyr łabędzie.',
      }),
      null,
    );
    expectWithinLimits(copy);
    const { text, facets } = copy.bluesky;
    const link = facets.find((f) => f.features[0]?.$type === 'app.bsky.richtext.facet#link');
    expect(link).toBeDefined();
    expect(facetText(text, link as BlueskyFacet)).toBe(SAMPLE_URL);
    // A UTF-16 index would land earlier than the byte offset here.
    expect(link?.index.byteStart).toBeGreaterThan(text.indexOf(SAMPLE_URL));
    const tags = facets.filter((f) => f.features[0]?.$type === 'app.bsky.richtext.facet#tag');
    expect(tags.map((f) => facetText(text, f))).toEqual(['#Safeguarding', '#Birmingham']);
  });

  it('gives a link facet to URLs and hashtags written in the summary too', () => {
    const copy = renderSocial(
      sampleStatement({
        summary: 'Ŵyl 😀 details at https://example.org/ŵ?a=1 with #Diogelu today.',
      }),
      null,
    );
    const { text, facets } = copy.bluesky;
    const texts = facets.map((f) => facetText(text, f));
    expect(texts).toContain('https://example.org/ŵ?a=1');
    expect(texts).toContain('#Diogelu');
    // Facets are in order and never overlap.
    for (let i = 1; i < facets.length; i++) {
      expect(facets[i]?.index.byteStart).toBeGreaterThanOrEqual(facets[i - 1]?.index.byteEnd ?? 0);
    }
  });

  it('shows a very long URL on Bluesky as a shortened label whose facet still links the full URL', () => {
    const longUrl = `https://www.example.org/${'publications/'.repeat(12)}review.pdf`;
    const copy = renderSocial(
      sampleStatement({ social: { url: longUrl, hashtags: ['Safeguarding'] } }),
      null,
    );
    expectWithinLimits(copy);
    const link = copy.bluesky.facets.find(
      (f) => f.features[0]?.$type === 'app.bsky.richtext.facet#link',
    );
    expect(link?.features[0]).toEqual({ $type: 'app.bsky.richtext.facet#link', uri: longUrl });
    const label = facetText(copy.bluesky.text, link as BlueskyFacet);
    expect(label.endsWith('…')).toBe(true);
    expect(longUrl.replace('https://', '').startsWith(label.slice(0, -1))).toBe(true);
    // X and Mastodon count any URL as 23, so they show it in full.
    expect(copy.x.text).toContain(longUrl);
    expect(copy.mastodon.text).toContain(longUrl);
  });

  it('X counts CJK and emoji as 2: a Japanese statement is cut between words and stays valid', () => {
    const copy = renderSocial(
      sampleStatement({
        language: 'ja',
        headline: '児童保護のための新しい計画を発表しました',
        summary: '児童保護のための新しい計画を発表しました。'.repeat(12).slice(0, 280),
      }),
      null,
    );
    expectWithinLimits(copy);
    expect(copy.x.text).toContain(SAMPLE_URL);
    expect(copy.x.text).toContain('…');
    expect(xLength(copy.x.text).weightedLength).toBeGreaterThan(200);
  });

  it('posts nothing for a withdrawal (empty text, no facets): posters skip empty posts', () => {
    const copy = renderSocial(
      sampleStatement({
        status: 'withdraw',
        withdrawalReason: 'Published in error.',
        social: { text: { x: 'x'.repeat(400) } },
      }),
      EMBARGO,
    );
    for (const post of [copy.x, copy.bluesky, copy.mastodon, copy.linkedin])
      expect(post.text).toBe('');
    expect(copy.bluesky.facets).toEqual([]);
  });
});

describe('per-platform overrides', () => {
  it('uses an override verbatim on its platform only, with Bluesky facets from its text', () => {
    const statement = sampleStatement({
      social: {
        hashtags: ['Safeguarding'],
        text: {
          x: 'Our review is out: https://example.org/r #Safeguarding',
          bluesky: 'Ŵyl 🎉 review https://example.org/r #Diogelu',
        },
      },
    });
    const copy = renderSocial(statement, EMBARGO);
    expect(copy.x.text).toBe('Our review is out: https://example.org/r #Safeguarding');
    expect(copy.bluesky.text).toBe('Ŵyl 🎉 review https://example.org/r #Diogelu');
    expect(copy.bluesky.facets.map((f) => facetText(copy.bluesky.text, f))).toEqual([
      'https://example.org/r',
      '#Diogelu',
    ]);
    expect(copy.mastodon.text).toContain(SAMPLE_URL);
    expect(copy.x.notBefore).toBe(EMBARGO.until);
    expect(checkSocialOverrides(statement)).toEqual([]);
  });

  it('counts a long URL in an X override as 23, so it is accepted', () => {
    const text = `${'a'.repeat(250)} https://www.example.org/${'p'.repeat(300)}`;
    const statement = sampleStatement({ social: { text: { x: text } } });
    expect(checkSocialOverrides(statement)).toEqual([]);
    expect(renderSocial(statement, null).x.text).toBe(text);
  });

  it('reports a too-long override with the platform, the measured length, the limit and a fix', () => {
    const statement = sampleStatement({
      social: {
        text: { x: `${'🎉'.repeat(141)}`, bluesky: 'ŵ'.repeat(301), mastodon: 'a'.repeat(501) },
      },
    });
    const issues = checkSocialOverrides(statement);
    expect(issues.map((i) => i.path)).toEqual([
      'social.text.x',
      'social.text.bluesky',
      'social.text.mastodon',
    ]);
    expect(issues[0]?.message).toMatch(
      /282 characters as X counts them.*X allows 280.*Shorten it by at least 2/,
    );
    expect(issues[1]?.message).toMatch(/301 .*Bluesky allows 300/);
    let thrown: unknown;
    try {
      renderSocial(statement, null);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SocialCopyTooLongError);
    const error = thrown as SocialCopyTooLongError;
    expect([error.platform, error.measured, error.limit]).toEqual(['x', 282, 280]);
    expect(error.message).toContain('remove "x" from social.text');
  });

  it('reports a Bluesky override over 3,000 bytes even under 300 graphemes', () => {
    // Each family emoji is one grapheme but 25 bytes.
    const statement = sampleStatement({ social: { text: { bluesky: '👨‍👩‍👧‍👦'.repeat(150) } } });
    const [issue] = checkSocialOverrides(statement);
    expect(issue?.path).toBe('social.text.bluesky');
    expect(issue?.message).toMatch(/3750 bytes.*allows 3000/);
  });

  it('reports a LinkedIn override that is over 3,000 characters once LinkedIn’s reserved characters are escaped', () => {
    // 2,800 characters as typed; each ( and ) must be sent as \( and \), making 4,200.
    const statement = sampleStatement({ social: { text: { linkedin: '(a) '.repeat(700) } } });
    const issues = checkSocialOverrides(statement);
    expect(issues.map((i) => i.path)).toEqual(['social.text.linkedin']);
    expect(issues[0]?.message).toMatch(
      /4200 characters as LinkedIn counts them.*LinkedIn allows 3000/,
    );
    expect(() => renderSocial(statement, null)).toThrow(SocialCopyTooLongError);
    const fine = sampleStatement({ social: { text: { linkedin: 'word '.repeat(590) } } });
    expect(checkSocialOverrides(fine)).toEqual([]);
  });

  it('rejects an X override with characters X refuses', () => {
    const statement = sampleStatement({ social: { text: { x: 'Review\uFEFF out now' } } });
    expect(checkSocialOverrides(statement)[0]?.path).toBe('social.text.x');
    expect(() => renderSocial(statement, null)).toThrow(SocialCopyInvalidError);
  });
});

describe('property: generated copy always fits', () => {
  const text = (max: number) =>
    fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: max }),
      fc
        .array(
          fc.constantFrom(
            'ŵyl',
            'łódź',
            '😀',
            '👩🏽‍⚕️',
            '児童',
            'review',
            'gov.uk',
            'https://example.org/x',
            '#Tag',
            '…',
          ),
          {
            minLength: 1,
            maxLength: 60,
          },
        )
        .map((words) => words.join(' ').slice(0, max)),
    );
  /** What the schema lets through a single-line field: no control characters, no lone surrogates. */
  const schemaSafe = (s: string) =>
    s
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing what the schema refuses.
      .replace(/[\0-\x1f\x7f]/g, ' ')
      .replace(LONE_SURROGATE_G, '\uFFFD')
      .trim();
  it('X is valid and ≤ 280, Bluesky ≤ 300 graphemes, for any headline, summary and hashtags', () => {
    fc.assert(
      fc.property(
        text(140),
        text(280),
        fc.array(fc.stringMatching(/^[A-Za-z0-9ŵł]{1,30}$/), { maxLength: 10 }),
        (headline, summary, hashtags) => {
          const input = {
            headline: schemaSafe(headline) || 'Headline',
            summary: schemaSafe(summary) || 'Summary',
            social: { hashtags },
          };
          const copy = renderSocial(sampleStatement(input), null);
          expectWithinLimits(copy);
          for (const f of copy.bluesky.facets) {
            expect(f.index.byteEnd).toBeGreaterThan(f.index.byteStart);
            expect(f.index.byteEnd).toBeLessThanOrEqual(Buffer.byteLength(copy.bluesky.text));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
