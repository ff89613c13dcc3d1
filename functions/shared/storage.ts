/**
 * S3 helpers shared by the handlers. They take the S3Client as an argument so
 * Lambda (module-scope client) and the local stack (s3rver client) share them.
 */
import {
  CopyObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { HeraldError } from '../../core/errors';
import { isAwsError } from './errors';

/** The object is bigger than the caller accepts; the body was not read. */
export class ObjectTooLargeError extends HeraldError {
  override name = 'ObjectTooLargeError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    /** Bytes, when S3 told us (ContentLength); otherwise the number read before giving up. */
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`s3://${bucket}/${key} is ${size} bytes, over the ${maxBytes}-byte limit`);
  }
}

/** The key (or version) does not exist. */
export class ObjectNotFoundError extends HeraldError {
  override name = 'ObjectNotFoundError';
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`s3://${bucket}/${key} does not exist`, options);
  }
}

/** A stored JSON object is not JSON (or not the expected shape, when a parser is given). */
export class ObjectFormatError extends HeraldError {
  override name = 'ObjectFormatError';
}

export interface GetObjectOptions {
  versionId?: string | undefined;
  /** Refuse objects larger than this, without reading their body. */
  maxBytes?: number | undefined;
}

export async function getObjectBytes(
  s3: S3Client,
  bucket: string,
  key: string,
  options: GetObjectOptions = {},
): Promise<Uint8Array> {
  const { maxBytes, versionId } = options;
  let response: GetObjectCommandOutput;
  try {
    response = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(versionId === undefined ? {} : { VersionId: versionId }),
      }),
    );
  } catch (err) {
    if (isAwsError(err, 'NoSuchKey', 'NoSuchVersion')) {
      throw new ObjectNotFoundError(bucket, key, { cause: err });
    }
    throw err;
  }
  const body = response.Body;
  if (body === undefined || body === null) return new Uint8Array();
  // Headers arrive before the body: refuse by ContentLength without downloading.
  if (
    maxBytes !== undefined &&
    response.ContentLength !== undefined &&
    response.ContentLength > maxBytes
  ) {
    discard(body);
    throw new ObjectTooLargeError(bucket, key, response.ContentLength, maxBytes);
  }
  return readBody(body, maxBytes ?? Number.POSITIVE_INFINITY, () => {
    discard(body);
    return new ObjectTooLargeError(bucket, key, (maxBytes ?? 0) + 1, maxBytes ?? 0);
  });
}

/** Reads a body stream, stopping as soon as it passes `limit` (ContentLength can be absent). */
async function readBody(body: unknown, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  if (isAsyncIterable(body)) {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of body) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
      total += bytes.byteLength;
      if (total > limit) throw tooLarge();
      chunks.push(bytes);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
  if (hasTransform(body)) {
    const bytes = await body.transformToByteArray();
    if (bytes.byteLength > limit) throw tooLarge();
    return bytes;
  }
  throw new ObjectFormatError('S3 returned a body this code cannot read');
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function hasTransform(value: unknown): value is { transformToByteArray(): Promise<Uint8Array> } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'transformToByteArray' in value &&
    typeof value.transformToByteArray === 'function'
  );
}

/** Closes the HTTP stream so the socket goes back to the pool instead of downloading the rest. */
function discard(body: unknown): void {
  if (
    typeof body === 'object' &&
    body !== null &&
    'destroy' in body &&
    typeof body.destroy === 'function'
  ) {
    body.destroy();
  }
}

/** Reads JSON and parses it with `parse` (a schema): nothing read back is trusted as it is. */
export async function getJson<T>(
  s3: S3Client,
  bucket: string,
  key: string,
  parse: (value: unknown) => T,
  options: GetObjectOptions = {},
): Promise<T> {
  const bytes = await getObjectBytes(s3, bucket, key, options);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ObjectFormatError(`s3://${bucket}/${key} is not JSON`, { cause: err });
  }
  return parse(value);
}

export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array,
  contentType: string,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
  );
}

/** Writes `value` as pretty JSON (these files are also read by people). */
export async function putJson(
  s3: S3Client,
  bucket: string,
  key: string,
  value: unknown,
): Promise<void> {
  await putObject(
    s3,
    bucket,
    key,
    `${JSON.stringify(value, null, 2)}\n`,
    'application/json; charset=utf-8',
  );
}

export async function copyObject(
  s3: S3Client,
  bucket: string,
  sourceKey: string,
  destinationKey: string,
  options: { sourceVersionId?: string | undefined; sourceBucket?: string } = {},
): Promise<void> {
  // CopySource is a URL path: encode each key segment but keep the slashes.
  const encoded = sourceKey.split('/').map(encodeURIComponent).join('/');
  const version =
    options.sourceVersionId === undefined
      ? ''
      : `?versionId=${encodeURIComponent(options.sourceVersionId)}`;
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: destinationKey,
      CopySource: `${options.sourceBucket ?? bucket}/${encoded}${version}`,
    }),
  );
}

/**
 * S3 event keys are form-encoded (`my statement(2).json` arrives as
 * `my+statement%282%29.json`). s3rver sends keys unencoded; when the key is not
 * valid percent-encoding we keep it as it is.
 */
export function decodeS3Key(rawKey: string): string {
  try {
    return decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch {
    return rawKey;
  }
}
