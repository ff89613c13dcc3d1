/**
 * Render once per statement revision: the MJML email (with per-recipient slots
 * left open), the plain-text part, the social copy and the whole statement as
 * plain text for partners. Senders only fill slots (core/render/slots).
 */

import { renderSocial } from '../social';
import type { Statement } from '../statement/schema';
import type { EmbargoInfo, RenderedStatement } from '../types';
import { renderEmail, renderStatementText } from './email';

export interface RenderOptions {
  /** The embargo in force (from resolveEmbargo), or null. */
  embargo: EmbargoInfo | null;
}

export async function renderStatement(
  statement: Statement,
  options: RenderOptions,
): Promise<RenderedStatement> {
  const email = await renderEmail(statement, options.embargo);
  return {
    email,
    social: renderSocial(statement, options.embargo),
    plainText: renderStatementText(statement, options.embargo),
    embargo: options.embargo,
  };
}
