import type { S3rverEventRecord } from 's3rver';
import { describe, expect, it } from 'vitest';
import { decodeS3Key } from '../../functions/shared/storage';
import { firstAddress, headerValue, parseStatementHeader } from '../../local/outbox';
import { encodeS3EventKey, isIngestRecord, toS3Event } from '../../local/s3-events';

const record = (key: string, eventName = 'ObjectCreated:Put'): S3rverEventRecord => ({
  eventVersion: '2.0',
  eventSource: 'aws:s3',
  awsRegion: 'us-east-1',
  eventTime: '2024-02-20T12:00:00.000Z',
  eventName,
  userIdentity: { principalId: 'AWS:X' },
  requestParameters: { sourceIPAddress: '127.0.0.1' },
  responseElements: { 'x-amz-request-id': 'R', 'x-amz-id-2': 'I' },
  s3: {
    s3SchemaVersion: '1.0',
    configurationId: 'testConfigId',
    bucket: { name: 'b', ownerIdentity: { principalId: 'P' }, arn: 'arn:aws:s3: : :b' },
    object: { key, size: 10, eTag: 'abc', sequencer: '1' },
  },
});

describe('S3 events from s3rver', () => {
  it('form-encodes keys like S3, and the handler decoding restores them', () => {
    for (const key of [
      'incoming/red flower.json',
      'incoming/my statement(2).json',
      'incoming/café+más.json',
    ]) {
      const encoded = encodeS3EventKey(key);
      expect(encoded).not.toContain(' ');
      expect(decodeS3Key(encoded)).toBe(key);
    }
    expect(encodeS3EventKey('incoming/red flower.json')).toBe('incoming/red+flower.json');
    expect(encodeS3EventKey('incoming/my statement(2).json')).toBe(
      'incoming/my+statement%282%29.json',
    );
  });

  it('passes only incoming/*.json creations (the notification filter)', () => {
    expect(isIngestRecord(record('incoming/a.json'))).toBe(true);
    expect(isIngestRecord(record('incoming/a.txt'))).toBe(false);
    expect(isIngestRecord(record('rejected/a.json'))).toBe(false);
    expect(isIngestRecord(record('incoming/a.json', 'ObjectRemoved:Delete'))).toBe(false);
  });

  it('builds an S3Event in the right region with the eTag', () => {
    const event = toS3Event(record('incoming/a b.json'), 'eu-west-2');
    expect(event.Records[0]).toMatchObject({
      awsRegion: 'eu-west-2',
      eventName: 'ObjectCreated:Put',
      s3: {
        bucket: { name: 'b', arn: 'arn:aws:s3:::b' },
        object: { key: 'incoming/a+b.json', eTag: 'abc' },
      },
    });
  });
});

describe('outbox header parsing', () => {
  const raw = [
    'From: Press <press@example.org>',
    'To: "Tom Whitfield" <Tom.Whitfield@Example.com>',
    'X-Herald-Statement: bscp-review-2024;',
    ' revision=2',
    'Subject: hi',
    '',
    'X-Herald-Statement: not-a-header 9',
  ].join('\r\n');

  it('reads unfolded headers from the header block only', () => {
    expect(headerValue(raw, 'x-herald-statement')).toBe('bscp-review-2024; revision=2');
    expect(firstAddress(headerValue(raw, 'to') ?? '')).toBe('tom.whitfield@example.com');
  });

  it('accepts the usual forms of the statement header', () => {
    for (const value of [
      'bscp-review-2024; revision=2',
      'bscp-review-2024#2',
      'bscp-review-2024 r2',
      '{"id":"bscp-review-2024","revision":2}',
    ]) {
      expect(parseStatementHeader(value)).toEqual({ id: 'bscp-review-2024', revision: 2 });
    }
    expect(parseStatementHeader('nonsense')).toBeUndefined();
  });
});
