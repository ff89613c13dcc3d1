/**
 * Render once per statement revision: the MJML email (with per-recipient slots
 * left open), the plain-text part, the social copy and the whole statement as
 * plain text for partners. Senders only fill slots (core/render/slots).
 */

import { renderSocial } from '../social';
import type { Statement } from '../statement/schema';
import type { EmbargoInfo, RenderedEmail, RenderedStatement } from '../types';
import { renderEmail, renderStatementText } from './email';

export interface RenderOptions {
  /** The embargo in force (from resolveEmbargo), or null. */
  embargo: EmbargoInfo | null;
  /** The email already rendered for this statement with this embargo (saves a second MJML run). */
  email?: RenderedEmail | undefined;
}

export async function renderStatement(
  statement: Statement,
  options: RenderOptions,
): Promise<RenderedStatement> {
  const email = options.email ?? (await renderEmail(statement, options.embargo));
  return {
    email,
    social: renderSocial(statement, options.embargo),
    plainText: renderStatementText(statement, options.embargo),
    embargo: options.embargo,
  };
}
