/**
 * The rendered email as `send` reads it back from `rendered/<id>/<rev>/email.json`
 * (and the bundle embeds it): parsed, not trusted. `zod/mini`: this is in the send bundle.
 */
import * as z from 'zod/mini';
import type { RenderedEmail } from '../../core/types';
import './zod-mini';

const slotted = z.object({
  parts: z.array(z.string()).check(z.minLength(1)),
  slots: z.array(z.enum(['unsubscribeUrl', 'greeting'])),
});

export const renderedEmailSchema = z.object({
  statementId: z.string(),
  revision: z.number(),
  language: z.string(),
  subject: z.string(),
  html: slotted,
  text: slotted,
  replyTo: z.nullable(z.object({ name: z.string(), address: z.string() })),
  fromName: z.optional(z.string()),
}) satisfies z.ZodMiniType<RenderedEmail>;
