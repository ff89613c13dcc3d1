/**
 * Bluesky rich-text facets. Offsets are UTF-8 bytes (byteStart inclusive,
 * byteEnd exclusive) while JS strings index UTF-16, so every offset is
 * Buffer.byteLength of the text before it. We compute them from the text we
 * build instead of using @atproto/api's RichText: that would pull the whole
 * AT Protocol client into core for two loops, and we already know where our
 * link and hashtags are.
 */
import twitterText from 'twitter-text';
import type { BlueskyFacet } from '../types';
import type { Piece } from './compose';
import { urlRanges } from './compose';
import { graphemeCount, utf8Length } from './counting';

// app.bsky.richtext.facet#tag: maxGraphemes 64, maxLength 640 (bytes).
const TAG_MAX_GRAPHEMES = 64;
const TAG_MAX_BYTES = 640;

type Feature = BlueskyFacet['features'][number];

/** Facets for a post built from pieces (our link and tags, plus any in the lead). */
export function facetsOf(pieces: Piece[]): BlueskyFacet[] {
  const facets: BlueskyFacet[] = [];
  let byteOffset = 0;
  for (const piece of pieces) {
    if (piece.kind === 'link') {
      facets.push(
        facet(byteOffset, piece.text, { $type: 'app.bsky.richtext.facet#link', uri: piece.href }),
      );
    } else if (piece.kind === 'tag') {
      const feature = tagFeature(piece.tag);
      if (feature) facets.push(facet(byteOffset, piece.text, feature));
    } else {
      for (const f of detectFacets(piece.text)) {
        facets.push({
          index: {
            byteStart: f.index.byteStart + byteOffset,
            byteEnd: f.index.byteEnd + byteOffset,
          },
          features: f.features,
        });
      }
    }
    byteOffset += utf8Length(piece.text);
  }
  return facets;
}

/** Links and hashtags written in free text (a lead, or a whole override). */
export function detectFacets(text: string): BlueskyFacet[] {
  const found: Array<{ start: number; end: number; feature: Feature }> = [];
  const urls = urlRanges(text);
  for (const { url, start, end } of urls) {
    // A bare domain (gov.uk) is linked the way Bluesky's own detection links it.
    const uri = /^https?:\/\//i.test(url) ? url : `https://${url}`;
    found.push({ start, end, feature: { $type: 'app.bsky.richtext.facet#link', uri } });
  }
  for (const { hashtag, indices } of twitterText.extractHashtagsWithIndices(text)) {
    const [start, end] = indices;
    if (urls.some((u) => start < u.end && end > u.start)) continue;
    const feature = tagFeature(hashtag);
    if (feature) found.push({ start, end, feature });
  }
  found.sort((a, b) => a.start - b.start);
  return found.map(({ start, end, feature }) => ({
    index: { byteStart: utf8Length(text.slice(0, start)), byteEnd: utf8Length(text.slice(0, end)) },
    features: [feature],
  }));
}

function facet(byteOffset: number, text: string, feature: Feature): BlueskyFacet {
  return {
    index: { byteStart: byteOffset, byteEnd: byteOffset + utf8Length(text) },
    features: [feature],
  };
}

/** A tag facet, or null when Bluesky would reject it (too long, or digits only). */
function tagFeature(tag: string): Feature | null {
  if (graphemeCount(tag) > TAG_MAX_GRAPHEMES || utf8Length(tag) > TAG_MAX_BYTES) return null;
  if (/^\p{N}+$/u.test(tag)) return null;
  return { $type: 'app.bsky.richtext.facet#tag', tag };
}
