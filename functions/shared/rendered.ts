/**
 * What ingest writes under `rendered/<id>/<rev>/` and release reads back.
 * `bundle.json` holds the validated statement and everything rendered, so
 * release and a resumed ingest never run MJML again ("render once").
 */
import type { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { renderedKey } from '../../core/bucket-layout';
import { type Statement, statementSchema } from '../../core/statement/schema';
import type { RenderedStatement, SocialCopy } from '../../core/types';
import { renderedEmailSchema } from './rendered-email';
import { getJson } from './storage';
import './zod-mini';

const post = z.object({ text: z.string(), notBefore: z.nullable(z.string()) });
const socialSchema = z.object({
  x: post,
  bluesky: z.object({
    text: z.string(),
    notBefore: z.nullable(z.string()),
    facets: z.array(
      z.object({
        index: z.object({ byteStart: z.number(), byteEnd: z.number() }),
        features: z.array(
          z.union([
            z.object({ $type: z.literal('app.bsky.richtext.facet#link'), uri: z.string() }),
            z.object({ $type: z.literal('app.bsky.richtext.facet#tag'), tag: z.string() }),
          ]),
        ),
      }),
    ),
  }),
  mastodon: post,
  linkedin: post,
}) satisfies z.ZodMiniType<SocialCopy>;

const bundleSchema = z.object({
  // Checked again with the statement schema itself (below).
  statement: z.unknown(),
  rendered: z.object({
    email: renderedEmailSchema,
    social: socialSchema,
    plainText: z.string(),
    embargo: z.nullable(z.object({ until: z.string(), timezone: z.string(), display: z.string() })),
  }),
  sha256: z.string(),
  renderedAt: z.string(),
});

export interface RenderedBundle {
  statement: Statement;
  rendered: RenderedStatement;
  sha256: string;
  renderedAt: string;
}

export function readBundle(
  s3: S3Client,
  bucket: string,
  id: string,
  revision: number,
): Promise<RenderedBundle> {
  return getJson(s3, bucket, renderedKey(id, revision, 'bundle'), (value) => {
    const bundle = bundleSchema.parse(value);
    return { ...bundle, statement: statementSchema.parse(bundle.statement) };
  });
}
