/**
 * The press email as MJML. A TypeScript module (not an .mjml file) so Lambda
 * bundling needs no file reads, built with the escaping `mjml` tag: every text
 * value is HTML-escaped unless it is `TrustedHtml` (Markdown output, fragments).
 *
 * Accessibility and client rules: lang/dir on <mjml>, exactly one h1 (the
 * headline), h2 for sections, body text 18px (never below 16px) at
 * line-height 1.5, 600px wide, a system font stack and no web fonts, links
 * #1D70B8 and underlined, notices at 4.5:1 contrast or more.
 *
 * Dark mode, in three kinds of client (docs/architecture.md, "The press email"):
 * - light: the inline styles below.
 * - `prefers-color-scheme: dark` (Apple Mail, iOS Mail, Outlook for Mac,
 *   Thunderbird): the `DARK_CSS` block swaps the palette by class; inline
 *   styles need `!important` to be overridden.
 * - forced dark (Gmail and Outlook apps) ignores that and recolours by itself:
 *   light backgrounds get dark, dark text gets light. Text on a colour such as
 *   the embargo yellow could end up white on yellow, so every notice keeps its
 *   text on white (or dark red) inside a coloured frame: whatever the client
 *   does to white and black, it does to both.
 *
 * Tokens that must not break across lines on a phone (dates, lift times,
 * references, phone numbers, email addresses) sit in `white-space:nowrap`
 * spans; spaces stay ordinary spaces, so copying a reference or a number
 * copies what the author wrote.
 */
import { type EmailLabels, WITHDRAWN_LABEL } from '../labels';
import type { TextDirection } from '../markdown/html';
import { mjml, type TrustedHtml, trusted } from '../mjml-tag';
import {
  ACCENT,
  CARD,
  DARK_CALLOUT,
  DARK_CARD,
  DARK_LINK,
  DARK_PAGE,
  DARK_SECONDARY,
  DARK_TEXT,
  EMBARGO_YELLOW,
  FONT_STACK,
  H1,
  H2,
  LINK_STYLE,
  META,
  NOWRAP,
  P,
  PAGE,
  SECONDARY_TEXT,
  SUBHEADING,
  TEXT,
  WITHDRAWN_BG,
} from './tokens';

/** Text with pieces to keep on one line: `['EMBARGOED until ', {keep: '00:01 GMT, …'}]`. */
export type Phrase = ReadonlyArray<string | { keep: string }>;

export interface PressEmailView {
  language: string;
  dir: TextDirection;
  /** The fixed words in the statement's language (`labelsFor(language)`). */
  labels: EmailLabels;
  /** The subject line, also the document title. */
  subject: string;
  /** Inbox preview text (≤ 256 characters, not the headline). */
  preview: string;
  /** `EMBARGOED until … — not for publication …` (or that the lift moved), or null. */
  embargo: Phrase | null;
  /** `EMBARGO LIFTED EARLY — …` when a later revision lifted the embargo, else null. */
  liftedEarly: Phrase | null;
  /** A withdrawal: the reason shown in the red banner. */
  withdrawal: { reason: string } | null;
  /** A correction: what changed. */
  correction: { revision: number; text: string } | null;
  /** Slot markers, put in verbatim (they contain only [a-z0-9-]). */
  greetingSlot: string;
  unsubscribeSlot: string;
  kindLabel: string;
  reference: string | null;
  /** The issue date in the statement's language, e.g. `21 February 2024`. */
  issued: string;
  organisation: { name: string; website: string | null; logoUrl: string | null };
  headline: string;
  subheading: string | null;
  /**
   * A long email (Gmail would clip it): the summary, the media contact and a
   * note on clipping go in a box under the headline, before the clip.
   */
  long: { summary: string } | null;
  body: TrustedHtml | null;
  signoff: { name: string; role: string | null } | null;
  callout: TrustedHtml | null;
  links: ReadonlyArray<{ label: string; url: string }>;
  notesToEditors: TrustedHtml | null;
  mediaContact: {
    name: string;
    role: string | null;
    email: { address: string; href: string } | null;
    phone: { display: string; href: string } | null;
  };
}

/**
 * Classes the dark palette hooks on. MJML puts `css-class` on a section's outer
 * div and on <body>; the body's colour is also inline on the div inside it.
 */
const C = {
  page: 'herald-page',
  card: 'herald-card',
  ink: 'herald-ink',
  muted: 'herald-muted',
  box: 'herald-box',
  callout: 'herald-callout',
  embargoBand: 'herald-embargo-band',
  embargoBox: 'herald-embargo-box',
  embargoText: 'herald-embargo-text',
  reminder: 'herald-embargo-reminder',
} as const;

const DARK_CSS = `
:root { color-scheme: light dark; supported-color-schemes: light dark; }
@media (prefers-color-scheme: dark) {
  body, .${C.page}, .${C.page} > div { background-color: ${DARK_PAGE} !important; }
  .${C.card}, .${C.card} > table { background: ${DARK_CARD} !important; background-color: ${DARK_CARD} !important; }
  .${C.ink} { color: ${DARK_TEXT} !important; }
  .${C.muted} { color: ${DARK_SECONDARY} !important; }
  .${C.page} a { color: ${DARK_LINK} !important; }
  .${C.box} { border-color: ${DARK_TEXT} !important; }
  .${C.callout} { background-color: ${DARK_CALLOUT} !important; }
  .${C.embargoBand}, .${C.embargoBand} > table { background: ${DARK_PAGE} !important; background-color: ${DARK_PAGE} !important; }
  .${C.embargoBox} { background-color: ${DARK_PAGE} !important; border-color: ${EMBARGO_YELLOW} !important; }
  .${C.embargoText} { color: ${EMBARGO_YELLOW} !important; }
  .${C.reminder} { border-color: ${EMBARGO_YELLOW} !important; }
}
`;

/** Longest text kept whole on one line: about a phone screen's width at 18px. */
const KEEP_MAX = 30;

/**
 * `text` that must not break across lines. Short text is kept whole; longer
 * text is kept word by word (a 64-character reference would overflow a
 * phone screen), and a single word longer than a line may break.
 */
function keep(text: string): TrustedHtml {
  if (text.length <= KEEP_MAX) return mjml`<span style="${NOWRAP}">${text}</span>`;
  return mjml`${text
    .split(/(\s+)/)
    .map((word) =>
      word.trim() === '' || word.length > KEEP_MAX
        ? word
        : mjml`<span style="${NOWRAP}">${word}</span>`,
    )}`;
}

/** `00:01 GMT, Wednesday 21 February 2024`: the time and the date each kept whole (together they are too wide for a phone). */
function keepDisplay(display: string): TrustedHtml {
  const comma = display.indexOf(', ');
  if (comma === -1) return keep(display);
  return mjml`${keep(display.slice(0, comma + 1))} ${keep(display.slice(comma + 2))}`;
}

function phrase(parts: Phrase): TrustedHtml {
  return mjml`${parts.map((p) => (typeof p === 'string' ? p : keepDisplay(p.keep)))}`;
}

/**
 * An email address that breaks only before its `@` (and, if still too long,
 * before a dot), never inside a word or at a hyphen.
 */
function emailAddress(address: string): TrustedHtml {
  const at = address.lastIndexOf('@');
  const pieces = [address.slice(0, at), address.slice(at)].flatMap((part) =>
    part.length <= KEEP_MAX ? [part] : part.split(/(?=\.)/),
  );
  return mjml`${pieces.map(
    (piece, i) => mjml`${i > 0 ? mjml`<wbr>` : ''}<span style="${NOWRAP}">${piece}</span>`,
  )}`;
}

/** A full-width box with a border, as a table so Outlook for Windows draws it too. */
function box(cls: string, style: string, content: TrustedHtml, marginBottom = 0): TrustedHtml {
  return mjml`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:separate;margin:0 0 ${marginBottom}px"><tr><td class="${cls}" style="${style}">${content}</td></tr></table>`;
}

function notices(view: PressEmailView): TrustedHtml {
  return mjml`
    ${
      view.withdrawal &&
      mjml`<mj-section background-color="${WITHDRAWN_BG}" padding="16px 0">
      <mj-column>
        <mj-text color="#FFFFFF">
          <p style="margin:0 0 8px;font-size:24px;line-height:1.3;font-weight:700">${WITHDRAWN_LABEL}</p>
          <p style="margin:0">${view.labels.withdrawalExplanation} ${view.withdrawal.reason}</p>
        </mj-text>
      </mj-column>
    </mj-section>`
    }
    ${
      view.embargo &&
      mjml`<mj-section css-class="${C.embargoBand}" background-color="${EMBARGO_YELLOW}" padding="12px 12px">
      <mj-column>
        <mj-text padding="0">${box(
          C.embargoBox,
          `background-color:${CARD};border:3px solid ${TEXT};padding:12px 16px`,
          mjml`<p class="${C.embargoText}" style="margin:0;font-size:20px;line-height:1.4;font-weight:700;color:${TEXT}">${phrase(view.embargo)}</p>`,
        )}</mj-text>
      </mj-column>
    </mj-section>`
    }
    ${
      (view.liftedEarly || view.correction) &&
      mjml`<mj-section css-class="${C.card}" background-color="${CARD}" padding="16px 0 0">
      <mj-column>
        <mj-text>${
          view.liftedEarly &&
          box(
            C.box,
            `border:4px solid ${TEXT};padding:12px 16px`,
            mjml`<p class="${C.ink}" style="margin:0;font-size:20px;line-height:1.4;font-weight:700">${phrase(view.liftedEarly)}</p>`,
            view.correction ? 16 : 0,
          )
        }${
          view.correction &&
          box(
            C.box,
            `border:4px solid ${TEXT};padding:12px 16px`,
            mjml`<div class="${C.ink}"><p style="margin:0 0 4px;font-size:20px;font-weight:700">${view.labels.correctionTitle}</p>
          <p style="margin:0">${view.labels.correctionReplaces(view.correction.revision)} ${view.correction.text}</p></div>`,
          )
        }</mj-text>
      </mj-column>
    </mj-section>`
    }`;
}

function statementMeta(view: PressEmailView): TrustedHtml {
  const parts = [
    view.kindLabel,
    view.reference && `${view.labels.reference} ${view.reference}`,
    view.issued,
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  // The separator stays at the end of its line: "statement ·" / "Ref: …".
  const items = parts.map((p, i) => keep(i < parts.length - 1 ? `${p} ·` : p));
  return mjml`<p class="${C.muted}" style="${META}"><strong>${items.map((item, i) => mjml`${i > 0 ? ' ' : ''}${item}`)}</strong></p>
          <p class="${C.muted}" style="${META};margin-bottom:24px">${view.organisation.name}</p>`;
}

function signoff(view: PressEmailView): TrustedHtml | null {
  if (!view.signoff) return null;
  return mjml`<p style="margin:24px 0 16px"><strong>${view.signoff.name}</strong>${
    view.signoff.role && mjml`<br>${view.signoff.role}`
  }</p>`;
}

function links(view: PressEmailView): TrustedHtml | null {
  if (view.links.length === 0) return null;
  return mjml`<h2 style="${H2}">${view.labels.links}</h2>
          <ul style="margin:0 0 16px;padding:0;padding-${view.dir === 'rtl' ? 'right' : 'left'}:24px">${view.links.map(
            (link) =>
              mjml`<li style="margin:0 0 8px"><a href="${link.url}" style="${LINK_STYLE}">${link.label}</a></li>`,
          )}</ul>`;
}

/** Name, role, email and phone as lines of one paragraph. */
function contactLines(view: PressEmailView): TrustedHtml {
  const c = view.mediaContact;
  return mjml`<strong>${c.name}</strong>${c.role && mjml`<br>${c.role}`}${
    c.email &&
    mjml`<br>${view.labels.email} <a href="${c.email.href}" style="${LINK_STYLE}">${emailAddress(c.email.address)}</a>`
  }${
    c.phone &&
    mjml`<br>${view.labels.phone} <a href="${c.phone.href}" style="${LINK_STYLE};${NOWRAP}">${c.phone.display}</a>`
  }`;
}

/** The embargo again beside the media contact: the end of a long email is far from the banner. */
function embargoReminder(view: PressEmailView, start: 'left' | 'right'): TrustedHtml | null {
  if (!view.embargo) return null;
  return mjml`<p class="${C.reminder}" style="margin:0 0 16px;padding-${start}:12px;border-${start}:6px solid ${TEXT};font-weight:700">${phrase(view.embargo)}</p>`;
}

function mediaContact(view: PressEmailView, start: 'left' | 'right'): TrustedHtml {
  return mjml`<h2 style="${H2}">${view.labels.mediaContact}</h2>
          ${embargoReminder(view, start)}
          <p style="${P}">${contactLines(view)}</p>`;
}

/** For a long email: what a journalist needs, above where Gmail clips. */
function atAGlance(view: PressEmailView): TrustedHtml | null {
  if (!view.long) return null;
  return box(
    C.box,
    `border:2px solid ${TEXT};padding:16px 16px 0`,
    mjml`<p style="${P}"><strong>${view.labels.summary}</strong><br>${view.long.summary}</p>
          <p style="${P}"><strong>${view.labels.mediaContact}</strong><br>${contactLines(view)}</p>
          <p style="${P}">${view.labels.longEmail}</p>`,
    24,
  );
}

export function pressEmailMjml(view: PressEmailView): string {
  const align = view.dir === 'rtl' ? 'right' : 'left';
  const org = view.organisation;
  return mjml`<mjml lang="${view.language}" dir="${view.dir}">
  <mj-head>
    <mj-title>${view.subject}</mj-title>
    <mj-preview>${view.preview}</mj-preview>
    <mj-raw><meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark"></mj-raw>
    <mj-style>${trusted(DARK_CSS)}</mj-style>
    <mj-attributes>
      <mj-all font-family="${FONT_STACK}" />
      <mj-section padding="0" direction="${view.dir}" />
      <mj-column direction="${view.dir}" />
      <mj-text font-size="18px" line-height="1.5" color="${TEXT}" padding="0 24px" align="${align}" />
      <mj-image padding="0 24px 16px" align="${align}" />
    </mj-attributes>
  </mj-head>
  <mj-body width="600px" background-color="${PAGE}" css-class="${C.page}">
    ${notices(view)}
    <mj-section css-class="${C.card}" background-color="${CARD}" padding="24px 0 8px">
      <mj-column>
        ${org.logoUrl && mjml`<mj-image src="${org.logoUrl}" alt="${org.name}" width="200px" />`}
        <mj-text><div class="${C.ink}">
          <p style="margin:0">${view.greetingSlot}</p>
          ${statementMeta(view)}
          <h1 style="${H1}">${view.headline}</h1>
          ${view.subheading && mjml`<h2 style="${SUBHEADING}">${view.subheading}</h2>`}
          ${atAGlance(view)}
          ${view.body}
          ${signoff(view)}
        </div></mj-text>
      </mj-column>
    </mj-section>
    ${
      view.callout &&
      mjml`<mj-section css-class="${C.card}" background-color="${CARD}" padding="8px 0 16px">
      <mj-column>
        <mj-text>${box(
          C.callout,
          `background-color:${PAGE};border-${align}:8px solid ${ACCENT};padding:16px 16px 0`,
          mjml`<div class="${C.ink}">${view.callout}</div>`,
        )}</mj-text>
      </mj-column>
    </mj-section>`
    }
    <mj-section css-class="${C.card}" background-color="${CARD}" padding="0 0 24px">
      <mj-column>
        <mj-text><div class="${C.ink}">
          ${links(view)}
          ${
            view.notesToEditors &&
            mjml`<h2 style="${H2}">${view.labels.notesToEditors}</h2>
          ${view.notesToEditors}`
          }
          ${mediaContact(view, align)}
        </div></mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="24px 0">
      <mj-column>
        <mj-text font-size="16px" color="${SECONDARY_TEXT}"><div class="${C.muted}">
          <p style="${P}">${org.name}${
            org.website &&
            mjml`<br><a href="${org.website}" style="${LINK_STYLE}">${org.website}</a>`
          }</p>
          <p style="${P}">${view.labels.whyReceiving(org.name)}</p>
          <p style="margin:0"><a href="${view.unsubscribeSlot}" style="${LINK_STYLE}">${view.labels.unsubscribeLink}</a></p>
        </div></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`.toString();
}
