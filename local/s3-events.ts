/**
 * s3rver event records → the S3Event the ingest Lambda gets from real S3.
 *
 * Gaps closed here: s3rver emits keys unencoded, so the key is
 * form-encoded the way S3 does ("red flower.json" → "red+flower.json") and the handler's
 * decoding is exercised; it applies no prefix/suffix filter, so only `incoming/*.json`
 * creations pass. Gap left open: s3rver has no versioning, so there is no versionId (the
 * handler falls back to the eTag).
 */
import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { S3rverEventRecord } from 's3rver';

export const INCOMING_PREFIX = 'incoming/';

/** The notification filter the CDK stack sets: prefix incoming/, suffix .json. */
export function isIngestRecord(record: S3rverEventRecord): boolean {
  const key = record.s3.object.key;
  return (
    record.eventName.startsWith('ObjectCreated:') &&
    key.startsWith(INCOMING_PREFIX) &&
    key.endsWith('.json')
  );
}

/** S3's form encoding of keys in event notifications: spaces as '+', slashes kept. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/gi, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function toS3Event(record: S3rverEventRecord, region: string): S3Event {
  const { object, bucket } = record.s3;
  const converted: S3EventRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: record.eventTime,
    eventName: record.eventName,
    userIdentity: record.userIdentity,
    requestParameters: record.requestParameters,
    responseElements: {
      'x-amz-request-id': record.responseElements['x-amz-request-id'] ?? '',
      'x-amz-id-2': record.responseElements['x-amz-id-2'] ?? '',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'herald-local-ingest',
      bucket: {
        name: bucket.name,
        ownerIdentity: bucket.ownerIdentity,
        arn: `arn:aws:s3:::${bucket.name}`,
      },
      object: {
        key: encodeS3EventKey(object.key),
        size: object.size ?? 0,
        eTag: object.eTag ?? '',
        sequencer: object.sequencer,
      },
    },
  };
  return { Records: [converted] };
}
