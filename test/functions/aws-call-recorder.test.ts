/**
 * The call recorder as the permission check and the local stack use it: real
 * SDK clients, the recorder first in the middleware stack, and a stand-in for
 * the network so no request leaves the process.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type AwsCallRecord, recordAwsCalls } from '../../functions/shared/aws-call-recorder';
import { createDocumentClient } from '../../functions/shared/ledger/client';
import { answerWith } from '../iam/recorded-world';

// answerWith stands in for the network, after the recorder has seen the command.
const config = { region: 'eu-west-2', credentials: { accessKeyId: 't', secretAccessKey: 't' } };

describe('recordAwsCalls', () => {
  it('records the service, the operation and the input, with bodies reduced to their size', async () => {
    const calls: AwsCallRecord[] = [];
    const s3 = new S3Client(config);
    recordAwsCalls(s3, 'release', calls);
    answerWith(s3, async () => ({}));

    await s3.send(
      new PutObjectCommand({
        Bucket: 'b',
        Key: 'published/x/1/statement.txt',
        Body: Buffer.from('hello'),
      }),
    );

    expect(calls).toEqual([
      {
        function: 'release',
        service: 's3',
        command: 'PutObject',
        input: { Bucket: 'b', Key: 'published/x/1/statement.txt', Body: { bytes: 5 } },
      },
    ]);
  });

  it('records document-client commands once, as the DynamoDB operation, when attached twice', async () => {
    const calls: AwsCallRecord[] = [];
    const dynamo = new DynamoDBClient(config);
    const doc = createDocumentClient(dynamo);
    recordAwsCalls(dynamo, 'ingest', calls);
    recordAwsCalls(doc, 'ingest', calls);
    answerWith(dynamo, async () => ({}));

    await doc.send(new GetCommand({ TableName: 'ledger', Key: { pk: 'stmt#x', sk: 'head' } }));

    expect(calls).toEqual([
      {
        function: 'ingest',
        service: 'dynamodb',
        command: 'GetItem',
        input: { TableName: 'ledger', Key: { pk: 'stmt#x', sk: 'head' } },
      },
    ]);
  });

  it('records a call that fails, with the error name', async () => {
    const calls: AwsCallRecord[] = [];
    const ses = new SESClient(config);
    recordAwsCalls(ses, 'send', calls);
    answerWith(ses, async () => {
      throw Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' });
    });

    await expect(
      ses.send(new SendRawEmailCommand({ RawMessage: { Data: new Uint8Array(3) } })),
    ).rejects.toThrow('Maximum sending rate exceeded.');

    expect(calls).toEqual([
      {
        function: 'send',
        service: 'ses',
        command: 'SendRawEmail',
        input: { RawMessage: { Data: { bytes: 3 } } },
        error: 'Throttling',
      },
    ]);
  });
});
