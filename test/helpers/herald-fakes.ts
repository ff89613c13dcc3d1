/**
 * Fakes for handler tests: an in-memory bucket behind a real S3Client
 * (aws-sdk-client-mock), recording Publisher/ReleaseScheduler ports, an
 * adjustable clock and S3 event fixtures.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  type CopyObjectCommandInput,
  GetObjectCommand,
  type GetObjectCommandInput,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import type {
  Publisher,
  PublishRequest,
  ReleaseSchedule,
  ReleaseScheduler,
} from '../../functions/shared/ports';

export const BUCKET = 'herald-bucket';
export const TABLE = 'herald-ledger';

interface StoredObject {
  body: Uint8Array;
  contentType: string | undefined;
  versionId: string;
}

/** A versioned in-memory bucket answering GetObject / PutObject / CopyObject. */
export class FakeBucket {
  readonly objects = new Map<string, StoredObject[]>();
  readonly client: S3Client;
  readonly mock: AwsClientStub<S3Client>;
  private versions = 0;
  private getFailures: Error[] = [];

  /** The next GetObject throws `error` (a throttle, a 5xx). */
  failNextGet(error: Error): void {
    this.getFailures.push(error);
  }

  constructor() {
    this.client = new S3Client({
      region: 'eu-west-2',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    this.mock = mockClient(this.client);
    this.mock
      .on(GetObjectCommand)
      .callsFake(async (input: GetObjectCommandInput) => this.handleGet(input));
    this.mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
      this.write(String(input.Key), toBytes(input.Body), input.ContentType);
      return {};
    });
    this.mock.on(CopyObjectCommand).callsFake(async (input: CopyObjectCommandInput) => {
      const [path = '', query = ''] = String(input.CopySource).split('?');
      const sourceKey = decodeURIComponent(path.slice(path.indexOf('/') + 1));
      const versionId = new URLSearchParams(query).get('versionId') ?? undefined;
      const source = this.version(sourceKey, versionId);
      if (!source) throw noSuchKey(sourceKey);
      this.write(String(input.Key), source.body, source.contentType);
      return {};
    });
  }

  /** Stores an object and returns its new versionId. */
  write(key: string, body: Uint8Array | string, contentType?: string): string {
    const versionId = `v${++this.versions}`;
    const list = this.objects.get(key) ?? [];
    list.push({ body: toBytes(body), contentType, versionId });
    this.objects.set(key, list);
    return versionId;
  }

  text(key: string): string | undefined {
    const latest = this.version(key, undefined);
    return latest && new TextDecoder().decode(latest.body);
  }

  json<T = unknown>(key: string): T {
    const text = this.text(key);
    if (text === undefined) throw new Error(`no object ${key}`);
    return JSON.parse(text) as T;
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  private version(key: string, versionId: string | undefined): StoredObject | undefined {
    const list = this.objects.get(key);
    if (!list) return undefined;
    return versionId === undefined ? list.at(-1) : list.find((o) => o.versionId === versionId);
  }

  private handleGet(input: GetObjectCommandInput) {
    const failure = this.getFailures.shift();
    if (failure) throw failure;
    const object = this.version(String(input.Key), input.VersionId);
    if (!object) throw noSuchKey(String(input.Key));
    return {
      Body: streamOf(object.body),
      ContentLength: object.body.byteLength,
      ContentType: object.contentType,
      VersionId: object.versionId,
    };
  }
}

/** A body like the SDK's (a Node stream with the transform helpers), without depending on @smithy internals. */
export function streamOf(bytes: Uint8Array) {
  const buffer = Buffer.from(bytes);
  return Object.assign(Readable.from([buffer]), {
    transformToByteArray: async () => new Uint8Array(buffer),
    transformToString: async (encoding?: string) =>
      buffer.toString((encoding ?? 'utf8') as BufferEncoding),
    transformToWebStream: () => {
      throw new Error('not used in tests');
    },
  });
}

function noSuchKey(key: string): Error {
  return new NoSuchKey({ message: `The specified key does not exist: ${key}`, $metadata: {} });
}

function toBytes(body: unknown): Uint8Array {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  throw new Error('FakeBucket takes string or Uint8Array bodies');
}

/** Records every publish; `failNext` makes the next publish to a topic throw. */
export class RecordingPublisher implements Publisher {
  readonly published: PublishRequest[] = [];
  private failures: Array<{ topic: PublishRequest['topic']; error: Error }> = [];

  async publish(request: PublishRequest) {
    const index = this.failures.findIndex((f) => f.topic === request.topic);
    if (index !== -1) {
      const [failure] = this.failures.splice(index, 1);
      throw failure?.error;
    }
    this.published.push(request);
    return { messageId: `m-${this.published.length}` };
  }

  failNext(topic: PublishRequest['topic'], error: Error): void {
    this.failures.push({ topic, error });
  }

  on(topic: PublishRequest['topic']): PublishRequest[] {
    return this.published.filter((p) => p.topic === topic);
  }

  /** Bodies on a topic, parsed as JSON. */
  messages<T = Record<string, unknown>>(topic: PublishRequest['topic']): T[] {
    return this.on(topic).map((p) => JSON.parse(p.body) as T);
  }
}

export class RecordingScheduler implements ReleaseScheduler {
  readonly created: ReleaseSchedule[] = [];
  readonly deleted: string[] = [];

  async create(schedule: ReleaseSchedule) {
    this.created.push(schedule);
  }

  async delete(name: string) {
    this.deleted.push(name);
  }

  /** Schedules created and not deleted since. */
  pending(): ReleaseSchedule[] {
    return this.created.filter((s) => !this.deleted.includes(s.name));
  }
}

/** A clock tests move by hand. */
export class TestClock {
  constructor(private current: Date) {}
  now = (): Date => new Date(this.current);
  set(instant: string | Date): void {
    this.current = new Date(instant);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

const EVENT_FIXTURE = new URL('../fixtures/events/s3-object-created.json', import.meta.url);

/** An ObjectCreated record for `key` (as S3 sends it: pass the already-encoded key). */
export function s3Record(
  key: string,
  object: { versionId?: string; eTag?: string; size?: number } = {},
): S3EventRecord {
  const event = JSON.parse(readFileSync(EVENT_FIXTURE, 'utf8')) as S3Event;
  const record = structuredClone(event.Records[0]) as S3EventRecord;
  record.s3.object.key = key;
  if (object.versionId === undefined) delete record.s3.object.versionId;
  else record.s3.object.versionId = object.versionId;
  if (object.eTag !== undefined) record.s3.object.eTag = object.eTag;
  if (object.size !== undefined) record.s3.object.size = object.size;
  return record;
}

export function s3Event(...records: S3EventRecord[]): S3Event {
  return { Records: records };
}
