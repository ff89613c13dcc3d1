/**
 * Where everything lives in the statements bucket (docs/architecture.md,
 * "Bucket layout"). The handlers build keys here and the CDK stack grants by
 * these prefixes, so a path and its permission cannot drift apart.
 */

export const BUCKET_PREFIXES = {
  /** Uploads by comms officers; the only prefix that triggers ingest (suffix `.json`). */
  incoming: 'incoming/',
  /** A copy of each refused file and its errors report. */
  rejected: 'rejected/',
  /** Everything rendered once per revision (what send, release and previews read). */
  rendered: 'rendered/',
  /** The public copy for the website, written only when a revision is released. */
  published: 'published/',
  /** The press list. */
  lists: 'lists/',
} as const;

export type BucketPrefix = keyof typeof BUCKET_PREFIXES;

/** Files written per revision under `rendered/<id>/<rev>/`. */
export const RENDERED_FILES = {
  /** RenderedEmail: what `send` reads (PressJob.emailKey). */
  email: 'email.json',
  /** Preview: slots filled with a sample journalist. */
  html: 'email.html',
  text: 'email.txt',
  social: 'social.json',
  /** The partner message sent with this revision (published, corrected or withdrawn). */
  envelope: 'envelope.json',
  /** The validated statement and the whole render: release and a resumed ingest read it. */
  bundle: 'bundle.json',
} as const;

/** Files written per released revision under `published/<id>/<rev>/`. */
export const PUBLISHED_FILES = {
  text: 'statement.txt',
  statement: 'statement.json',
  social: 'social.json',
  envelope: 'envelope.json',
} as const;

export function renderedPrefix(id: string, revision: number): string {
  return `${BUCKET_PREFIXES.rendered}${id}/${revision}/`;
}

export function renderedKey(
  id: string,
  revision: number,
  file: keyof typeof RENDERED_FILES,
): string {
  return `${renderedPrefix(id, revision)}${RENDERED_FILES[file]}`;
}

export function publishedPrefix(id: string, revision: number): string {
  return `${BUCKET_PREFIXES.published}${id}/${revision}/`;
}

export function publishedKey(
  id: string,
  revision: number,
  file: keyof typeof PUBLISHED_FILES,
): string {
  return `${publishedPrefix(id, revision)}${PUBLISHED_FILES[file]}`;
}

/** What the website reads first: the revision in force, or that the statement was withdrawn. */
export function latestKey(id: string): string {
  return `${BUCKET_PREFIXES.published}${id}/latest.json`;
}

/** `incoming/team/my statement.json` → `team/my statement`. */
export function uploadName(key: string): string {
  return key.slice(BUCKET_PREFIXES.incoming.length).replace(/\.json$/, '');
}

export function rejectedKeys(uploadKey: string): { copy: string; errors: string } {
  const name = uploadName(uploadKey);
  return {
    copy: `${BUCKET_PREFIXES.rejected}${name}.json`,
    errors: `${BUCKET_PREFIXES.rejected}${name}.errors.json`,
  };
}

/** Whether S3 should have sent this key to ingest at all. */
export function isStatementUpload(key: string): boolean {
  return key.startsWith(BUCKET_PREFIXES.incoming) && key.endsWith('.json');
}

/** `published/<id>/latest.json`: what the website shows for the statement. */
export type PublishedLatest =
  | {
      status: 'released';
      id: string;
      revision: number;
      headline: string;
      /** `published/<id>/<rev>/`: this revision's public files. */
      publishedPrefix: string;
      releasedAt: string;
    }
  | {
      status: 'withdrawn';
      id: string;
      /** The withdrawal's revision. */
      revision: number;
      reference: string | null;
      withdrawalReason: string;
      withdrawnAt: string;
    };
