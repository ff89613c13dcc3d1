/** Schemas shared by the statement's head and revision items (`zod/mini`: `send` reads heads). */
import * as z from 'zod/mini';
import type { CurrentRevision, Reached } from '../../../core/lifecycle/types';
import '../zod-mini';

export const embargoSchema = z.object({
  until: z.string(),
  timezone: z.string(),
  display: z.string(),
});
export const kindSchema = z.enum(['published', 'corrected', 'withdrawn']);
export const statusSchema = z.enum(['publish', 'withdraw']);
export const channelsSchema = z.object({
  press: z.boolean(),
  partners: z.boolean(),
  website: z.boolean(),
});
export const currentSchema = z.object({
  revision: z.number(),
  status: statusSchema,
  kind: kindSchema,
  embargo: z.nullable(embargoSchema),
  channels: channelsSchema,
}) satisfies z.ZodMiniType<CurrentRevision>;
export const reachedSchema = z.object({
  pressTopics: z.nullable(z.array(z.string())),
  partners: z.boolean(),
  website: z.boolean(),
}) satisfies z.ZodMiniType<Reached>;
