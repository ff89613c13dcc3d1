/**
 * Social posts as the console shows them: each platform's text with its length as that
 * platform counts it (core/social/counting). Pure, so `herald preview` can use it
 * without the local stack.
 */
import { MEASURES, PLATFORM_NAMES, PLATFORMS } from '../../core/social/counting';
import type { SocialCopy } from '../../core/types';

export interface SocialPostView {
  platform: string;
  text: string;
  measured: number;
  limit: number;
  unit: string;
  ok: boolean;
  notBefore: string | null;
}

/** Each platform's post with its length as that platform counts it. */
export function socialViews(copy: SocialCopy): SocialPostView[] {
  return PLATFORMS.map((platform) => {
    const post = copy[platform];
    const measure = MEASURES[platform](post.text);
    return {
      platform: PLATFORM_NAMES[platform],
      text: post.text,
      measured: measure.measured,
      limit: measure.limit,
      unit: measure.unit,
      ok: measure.ok,
      notBefore: post.notBefore,
    };
  });
}
