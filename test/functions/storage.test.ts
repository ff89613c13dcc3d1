import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  copyObject,
  decodeS3Key,
  getJson,
  getObjectBytes,
  ObjectFormatError,
  ObjectNotFoundError,
  ObjectTooLargeError,
  putObject,
} from '../../functions/shared/storage';
import { streamOf } from '../helpers/herald-fakes';

const s3 = new S3Client({
  region: 'eu-west-2',
  credentials: { accessKeyId: 't', secretAccessKey: 't' },
});
const s3Mock = mockClient(s3);

/** A body that records whether anyone read from it. */
function watchedBody(bytes: Uint8Array) {
  const state = { read: false, destroyed: false };
  const stream = new Readable({
    read() {
      state.read = true;
      this.push(Buffer.from(bytes));
      this.push(null);
    },
  });
  stream.on('close', () => {
    state.destroyed = true;
  });
  return { stream, state };
}

describe('decodeS3Key', () => {
  it('decodes form-encoded event keys (+ is a space, %xx escapes)', () => {
    // Prepare
    const raw = 'incoming/my+statement%282%29.json';

    // Act
    const key = decodeS3Key(raw);

    // Assess
    expect(key).toBe('incoming/my statement(2).json');
  });

  it('decodes UTF-8 escapes', () => {
    expect(decodeS3Key('incoming/caf%C3%A9+news.json')).toBe('incoming/café news.json');
  });

  it('keeps a key that is not valid percent-encoding as it is (s3rver sends raw keys)', () => {
    expect(decodeS3Key('incoming/100%done.json')).toBe('incoming/100%done.json');
  });
});

describe('getObjectBytes', () => {
  beforeEach(() => {
    s3Mock.reset();
  });

  it('returns the body of the requested version', async () => {
    // Prepare
    s3Mock
      .on(GetObjectCommand, { Bucket: 'b', Key: 'incoming/a.json', VersionId: 'v2' })
      .resolves({ Body: streamOf(new TextEncoder().encode('{"a":1}')), ContentLength: 7 });

    // Act
    const bytes = await getObjectBytes(s3, 'b', 'incoming/a.json', {
      versionId: 'v2',
      maxBytes: 100,
    });

    // Assess
    expect(new TextDecoder().decode(bytes)).toBe('{"a":1}');
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { VersionId: 'v2' });
  });

  it('refuses an object whose ContentLength is over the limit without reading its body', async () => {
    // Prepare
    const { stream, state } = watchedBody(new Uint8Array(10));
    s3Mock.on(GetObjectCommand).resolves({
      Body: Object.assign(stream, {
        transformToByteArray: async () => new Uint8Array(10),
      }) as never,
      ContentLength: 300_000,
    });

    // Act
    const result = getObjectBytes(s3, 'b', 'incoming/big.json', { maxBytes: 262_144 });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ObjectTooLargeError);
    await expect(result).rejects.toMatchObject({ size: 300_000, maxBytes: 262_144 });
    expect(state.read).toBe(false);
  });

  it('stops reading a body without ContentLength as soon as it passes the limit', async () => {
    // Prepare
    const chunks = [Buffer.alloc(60), Buffer.alloc(60), Buffer.alloc(60)];
    s3Mock.on(GetObjectCommand).resolves({ Body: Readable.from(chunks) as never });

    // Act
    const result = getObjectBytes(s3, 'b', 'k', { maxBytes: 100 });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ObjectTooLargeError);
  });

  it('turns NoSuchKey into ObjectNotFoundError', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));

    // Act
    const result = getObjectBytes(s3, 'b', 'incoming/gone.json');

    // Assess
    await expect(result).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('rethrows other S3 errors unchanged so the caller can retry', async () => {
    // Prepare
    const slowDown = new S3ServiceException({
      name: 'SlowDown',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
      message: 'Please reduce your request rate.',
    });
    s3Mock.on(GetObjectCommand).rejects(slowDown);

    // Act
    const result = getObjectBytes(s3, 'b', 'k');

    // Assess
    await expect(result).rejects.toBe(slowDown);
  });
});

describe('getJson', () => {
  beforeEach(() => {
    s3Mock.reset();
  });

  it('parses the object and hands it to the parser', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).resolves({ Body: streamOf(new TextEncoder().encode('{"n":2}')) });

    // Act
    const n = await getJson(s3, 'b', 'k', (v) => (v as { n: number }).n * 10);

    // Assess
    expect(n).toBe(20);
  });

  it('throws ObjectFormatError for an object that is not JSON', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).resolves({ Body: streamOf(new TextEncoder().encode('<html>')) });

    // Act
    const result = getJson(s3, 'b', 'k', (value) => value);

    // Assess
    await expect(result).rejects.toBeInstanceOf(ObjectFormatError);
  });
});

describe('putObject and copyObject', () => {
  beforeEach(() => {
    s3Mock.reset();
  });

  it('puts the body with its content type', async () => {
    // Act
    await putObject(s3, 'b', 'rendered/x/1/email.txt', 'hello', 'text/plain; charset=utf-8');

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'b',
      Key: 'rendered/x/1/email.txt',
      Body: 'hello',
      ContentType: 'text/plain; charset=utf-8',
    });
  });

  it('URL-encodes the copy source key segment by segment and names the version', async () => {
    // Act
    await copyObject(s3, 'b', 'incoming/my statement(2).json', 'rejected/my statement(2).json', {
      sourceVersionId: 'v 1',
    });

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: 'b',
      Key: 'rejected/my statement(2).json',
      CopySource: 'b/incoming/my%20statement(2).json?versionId=v%201',
    });
  });
});
