/**
 * The press email as MJML. A TypeScript module (not an .mjml file) so Lambda
 * bundling needs no file reads, built with the escaping `mjml` tag: every text
 * value is HTML-escaped unless it is `TrustedHtml` (Markdown output, fragments).
 *
 * Accessibility and client rules (../shared/notes/render-quality.md): lang/dir
 * on <mjml>, exactly one h1 (the headline), h2 for sections, body text 18px
 * (never below 16px) at line-height 1.5, 600px wide, a system font stack and
 * no web fonts, links #1D70B8 and underlined, high-contrast notices.
 */
import type { EmailLabels } from '../core/render/labels';
import { LINK_STYLE, type TextDirection } from '../core/render/markdown';
import { mjml, type TrustedHtml } from '../core/render/mjml-tag';

export interface PressEmailView {
  language: string;
  dir: TextDirection;
  /** The fixed words in the statement's language (`labelsFor(language)`). */
  labels: EmailLabels;
  /** The subject line, also the document title. */
  subject: string;
  /** Inbox preview text (≤ 256 characters, not the headline). */
  preview: string;
  /** `EMBARGOED until … — not for publication …`, or null. */
  embargoNotice: string | null;
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

// System fonts only: no family needs quotes, and nothing is fetched.
const FONT_STACK =
  '-apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif';
const TEXT = '#0B0C0C';
const SECONDARY_TEXT = '#484949'; // 9:1 on white
const PAGE = '#F3F2F1';
const EMBARGO_BG = '#FFDD00'; // black on yellow, 15:1
const WITHDRAWN_BG = '#A51D0F'; // white on dark red, 7.5:1
const ACCENT = '#1D70B8';

const H1 = 'margin:0 0 16px;font-size:32px;line-height:1.25;font-weight:700';
const H2 = 'margin:32px 0 12px;font-size:24px;line-height:1.3;font-weight:700';
const SUBHEADING = 'margin:0 0 24px;font-size:22px;line-height:1.4;font-weight:400';
const P = 'margin:0 0 16px';
const META = `margin:0 0 4px;font-size:16px;color:${SECONDARY_TEXT}`;

function notices(view: PressEmailView): TrustedHtml {
  return mjml`
    ${
      view.withdrawal &&
      mjml`<mj-section background-color="${WITHDRAWN_BG}" padding="16px 0">
      <mj-column>
        <mj-text color="#FFFFFF">
          <p style="margin:0 0 8px;font-size:24px;line-height:1.3;font-weight:700">WITHDRAWN – DO NOT PUBLISH</p>
          <p style="margin:0">${view.labels.withdrawalExplanation} ${view.withdrawal.reason}</p>
        </mj-text>
      </mj-column>
    </mj-section>`
    }
    ${
      view.embargoNotice &&
      mjml`<mj-section background-color="${EMBARGO_BG}" padding="16px 0">
      <mj-column>
        <mj-text color="${TEXT}">
          <p style="margin:0;font-size:20px;line-height:1.4;font-weight:700">${view.embargoNotice}</p>
        </mj-text>
      </mj-column>
    </mj-section>`
    }
    ${
      view.correction &&
      mjml`<mj-section background-color="#FFFFFF" padding="16px 24px 0">
      <mj-column border="4px solid ${TEXT}" padding="12px 0">
        <mj-text padding="0 16px">
          <p style="margin:0 0 4px;font-size:20px;font-weight:700">${view.labels.correctionTitle}</p>
          <p style="margin:0">${view.labels.correctionReplaces(view.correction.revision)} ${view.correction.text}</p>
        </mj-text>
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
  return mjml`<p style="${META}"><strong>${parts.join(' · ')}</strong></p>
          <p style="${META};margin-bottom:24px">${view.organisation.name}</p>`;
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

function mediaContact(view: PressEmailView): TrustedHtml {
  const c = view.mediaContact;
  return mjml`<h2 style="${H2}">${view.labels.mediaContact}</h2>
          <p style="${P}"><strong>${c.name}</strong>${c.role && mjml`<br>${c.role}`}${
            c.email &&
            mjml`<br>${view.labels.email} <a href="${c.email.href}" style="${LINK_STYLE}">${c.email.address}</a>`
          }${c.phone && mjml`<br>${view.labels.phone} <a href="${c.phone.href}" style="${LINK_STYLE}">${c.phone.display}</a>`}</p>`;
}

export function pressEmailMjml(view: PressEmailView): string {
  const align = view.dir === 'rtl' ? 'right' : 'left';
  const org = view.organisation;
  return mjml`<mjml lang="${view.language}" dir="${view.dir}">
  <mj-head>
    <mj-title>${view.subject}</mj-title>
    <mj-preview>${view.preview}</mj-preview>
    <mj-attributes>
      <mj-all font-family="${FONT_STACK}" />
      <mj-section padding="0" direction="${view.dir}" />
      <mj-column direction="${view.dir}" />
      <mj-text font-size="18px" line-height="1.5" color="${TEXT}" padding="0 24px" align="${align}" />
      <mj-image padding="0 24px 16px" align="${align}" />
    </mj-attributes>
  </mj-head>
  <mj-body width="600px" background-color="${PAGE}">
    ${notices(view)}
    <mj-section background-color="#FFFFFF" padding="24px 0 8px">
      <mj-column>
        ${org.logoUrl && mjml`<mj-image src="${org.logoUrl}" alt="${org.name}" width="200px" />`}
        <mj-text>
          <p style="margin:0">${view.greetingSlot}</p>
          ${statementMeta(view)}
          <h1 style="${H1}">${view.headline}</h1>
          ${view.subheading && mjml`<h2 style="${SUBHEADING}">${view.subheading}</h2>`}
          ${view.body}
          ${signoff(view)}
        </mj-text>
      </mj-column>
    </mj-section>
    ${
      view.callout &&
      mjml`<mj-section background-color="#FFFFFF" padding="8px 24px 16px">
      <mj-column background-color="${PAGE}" border-${align}="8px solid ${ACCENT}" padding="16px 0 0">
        <mj-text padding="0 16px">${view.callout}</mj-text>
      </mj-column>
    </mj-section>`
    }
    <mj-section background-color="#FFFFFF" padding="0 0 24px">
      <mj-column>
        <mj-text>
          ${links(view)}
          ${
            view.notesToEditors &&
            mjml`<h2 style="${H2}">${view.labels.notesToEditors}</h2>
          ${view.notesToEditors}`
          }
          ${mediaContact(view)}
        </mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="24px 0">
      <mj-column>
        <mj-text font-size="16px" color="${SECONDARY_TEXT}">
          <p style="${P}">${org.name}${
            org.website &&
            mjml`<br><a href="${org.website}" style="${LINK_STYLE}">${org.website}</a>`
          }</p>
          <p style="${P}">${view.labels.whyReceiving(org.name)}</p>
          <p style="margin:0"><a href="${view.unsubscribeSlot}" style="${LINK_STYLE}">${view.labels.unsubscribeLink}</a></p>
        </mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`.toString();
}
