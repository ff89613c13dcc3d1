/**
 * The rendered email as `send` reads it back from `rendered/<id>/<rev>/email.json`
 * (and the bundle embeds it): parsed, not trusted. `zod/mini`: this is in the send bundle.
 *
 * email.json may also hold `mime`: the email prepared for the configured sender
 * (core/mime StoredMime), which ingest writes so that a cold send only splices.
 * It is optional: without it, or for another sender, send prepares the email itself.
 */
import * as z from 'zod/mini';
import type { StoredMime } from '../../core/mime';
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

const storedBody = z.object({
  pieces: z.array(
    z.union([
      z.extend(slotted, { stripLeadingBreaks: z.boolean() }),
      z.object({
        length: z.int().check(z.gte(0)),
        wrapped: z.string(),
        ends: z.nullable(z.tuple([z.string(), z.string()])),
      }),
    ]),
  ),
  mayBeEmpty: z.boolean(),
});

export const storedMimeSchema = z.object({
  sender: z.object({ from: z.string(), configurationSet: z.optional(z.string()) }),
  text: storedBody,
  html: storedBody,
  headers: z.object({
    // Header lines and the names of the fields filled per recipient (RecipientField): all strings.
    root: z.array(z.string()),
    boundary: z.string(),
    textHeaders: z.string(),
    htmlHeaders: z.string(),
  }),
}) satisfies z.ZodMiniType<StoredMime>;

/** email.json as ingest writes it: the rendered email, and the prepared MIME if it stored one. */
export type StoredEmail = RenderedEmail & { mime?: StoredMime };

/**
 * email.json, read: the email must be valid (else this throws); `mime` is only a
 * head start, so one that does not parse is dropped (`mimeDropped`), never a reason
 * not to send.
 */
export function readStoredEmail(value: unknown): {
  email: RenderedEmail;
  mime: StoredMime | undefined;
  mimeDropped: boolean;
} {
  const email = renderedEmailSchema.parse(value);
  const raw = typeof value === 'object' && value !== null ? Reflect.get(value, 'mime') : undefined;
  if (raw === undefined) return { email, mime: undefined, mimeDropped: false };
  const mime = storedMimeSchema.safeParse(raw);
  return { email, mime: mime.success ? mime.data : undefined, mimeDropped: !mime.success };
}
