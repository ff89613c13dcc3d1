/**
 * Render once per statement revision: the MJML email (with per-recipient slots
 * left open), the plain-text part, the social copy and the whole statement as
 * plain text for partners. Senders only fill slots (core/render/slots).
 */

import { renderSocial } from '../social';
import type { Statement } from '../statement/schema';
import type {
  EmbargoInfo,
  LiftMoved,
  RenderedEmail,
  RenderedStatement,
  SenderDisplayName,
} from '../types';
import { renderEmail, renderStatementText } from './email';

export interface RenderOptions {
  /** The embargo in force (from resolveEmbargo), or null. */
  embargo: EmbargoInfo | null;
  /**
   * The embargo before a later revision moved it: the email and the partners'
   * text say the lift has moved, or that the embargo was lifted early when
   * `embargo` is null. Subjects and social copy stay as they are.
   */
  liftMoved?: LiftMoved | undefined;
  /** Which name the email's From header shows (config `sender.displayName`). @default 'organisation' */
  displayName?: SenderDisplayName | undefined;
  /** The email already rendered for this statement with these options (saves a second MJML run). */
  email?: RenderedEmail | undefined;
}

export async function renderStatement(
  statement: Statement,
  options: RenderOptions,
): Promise<RenderedStatement> {
  const { embargo, liftMoved, displayName } = options;
  const email =
    options.email ?? (await renderEmail(statement, embargo, { liftMoved, displayName }));
  return {
    email,
    social: renderSocial(statement, embargo),
    plainText: renderStatementText(statement, embargo, { liftMoved }),
    embargo,
  };
}
