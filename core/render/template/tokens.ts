/**
 * The press email's style tokens: colours, the font stack and the inline text
 * styles. Shared by the template and by the Markdown renderer (links, nowrap),
 * whose HTML sits inside it; every value is written inline, since email clients
 * drop most <style> blocks.
 */

/** Links: blue and underlined (not told apart by colour alone). */
export const LINK_COLOUR = '#1D70B8';
export const LINK_STYLE = `color:${LINK_COLOUR};text-decoration:underline`;
/** Keeps a phone number, date or reference on one line on a phone screen. */
export const NOWRAP = 'white-space:nowrap';

// System fonts only: no family needs quotes, and nothing is fetched.
export const FONT_STACK =
  '-apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif';
export const TEXT = '#0B0C0C';
export const SECONDARY_TEXT = '#484949'; // 9:1 on white
export const PAGE = '#F3F2F1';
export const CARD = '#FFFFFF';
export const EMBARGO_YELLOW = '#FFDD00';
export const WITHDRAWN_BG = '#A51D0F'; // white on dark red, 7.5:1
export const ACCENT = LINK_COLOUR;

// The dark palette (prefers-color-scheme: dark). Contrast on DARK_CARD:
// text 15:1, secondary 9:1, links 7.5:1; the embargo yellow on DARK_PAGE 14:1.
export const DARK_PAGE = '#0B0C0C';
export const DARK_CARD = '#1B1B1B';
export const DARK_TEXT = '#F3F2F1';
export const DARK_SECONDARY = '#C4C6C8';
export const DARK_LINK = '#8AB4F8';
export const DARK_CALLOUT = '#2B2B2B';

// Text styles (body text is 18px at line-height 1.5, set on mj-text).
export const H1 = 'margin:0 0 16px;font-size:32px;line-height:1.25;font-weight:700';
export const H2 = 'margin:32px 0 12px;font-size:24px;line-height:1.3;font-weight:700';
export const SUBHEADING = 'margin:0 0 24px;font-size:22px;line-height:1.4;font-weight:400';
export const P = 'margin:0 0 16px';
export const META = `margin:0 0 4px;font-size:16px;color:${SECONDARY_TEXT}`;
