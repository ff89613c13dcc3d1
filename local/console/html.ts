/**
 * HTML for the console: the same escaping tagged template the press email uses
 * (core/render/mjml-tag: every interpolation is escaped unless it is markup built
 * with the tag itself), under the name this code means.
 */
import { escapeHtml, type MjmlValue, mjml, type TrustedHtml } from '../../core/render/mjml-tag';

export type Html = TrustedHtml;
export type HtmlValue = MjmlValue;
export const html = mjml;
export { escapeHtml };
