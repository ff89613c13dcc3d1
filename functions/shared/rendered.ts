/**
 * What ingest writes under `rendered/<id>/<rev>/` and release reads back.
 * `bundle.json` holds the validated statement and everything rendered, so
 * release and a resumed ingest never run MJML again ("render once").
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Statement } from '../../core/statement/schema';
import type { RenderedStatement } from '../../core/types';
import { renderedPrefix } from './messages';
import { getJson } from './storage';

export interface RenderedBundle {
  statement: Statement;
  rendered: RenderedStatement;
  sha256: string;
  renderedAt: string;
}

export const RENDERED_FILES = {
  /** RenderedEmail: what `send` reads (PressJob.emailKey). */
  email: 'email.json',
  /** Preview: slots filled with placeholder values. */
  html: 'email.html',
  text: 'email.txt',
  social: 'social.json',
  /** The partner envelope sent with this revision's published/corrected/withdrawn message. */
  envelope: 'envelope.json',
  bundle: 'bundle.json',
} as const;

export function renderedKey(
  id: string,
  revision: number,
  file: keyof typeof RENDERED_FILES,
): string {
  return `${renderedPrefix(id, revision)}${RENDERED_FILES[file]}`;
}

export function readBundle(
  s3: S3Client,
  bucket: string,
  id: string,
  revision: number,
): Promise<RenderedBundle> {
  // Written by ingest in the same deployment; trusted as its own output.
  return getJson<RenderedBundle>(s3, bucket, renderedKey(id, revision, 'bundle'));
}
