/**
 * The local stack's own SDK clients (uploads, the ledger table, tests and the bench),
 * pointed at the emulators: region eu-west-2, static dummy credentials, path-style S3.
 * The functions make their own clients through local/aws-clients.ts.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/shared/ledger/client';
import { LOCAL_REGION } from './names';

export { LOCAL_REGION };

export interface LocalClients {
  s3: S3Client;
  ses: SESClient;
  dynamodb: DynamoDBClient;
  ddb: DynamoDBDocumentClient;
}

export function createLocalClients(endpoints: {
  s3: string;
  ses: string;
  dynamodb: string;
}): LocalClients {
  const s3 = new S3Client({
    region: LOCAL_REGION,
    endpoint: endpoints.s3,
    forcePathStyle: true,
    // s3rver accepts exactly these credentials.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // SDK ≥ 3.729 sends streaming checksum trailers that s3rver's SigV4 parser rejects.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const ses = new SESClient({
    region: LOCAL_REGION,
    endpoint: endpoints.ses,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // As in the Lambda: the send handler paces and retries itself.
    maxAttempts: 1,
  });
  const dynamodb = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: endpoints.dynamodb,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { s3, ses, dynamodb, ddb: createDocumentClient(dynamodb) };
}

/** The ledger table: `pk`/`sk` strings and nothing else (dynalite has no TTL). */
export async function createLedgerTable(
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<void> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

export function destroyLocalClients(clients: LocalClients): void {
  clients.s3.destroy();
  clients.ses.destroy();
  clients.dynamodb.destroy();
}
