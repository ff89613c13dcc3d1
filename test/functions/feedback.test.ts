import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFeedbackHandler } from '../../functions/feedback/handler';
import { createLogger } from '../../functions/shared/logger';

const NOW = new Date('2024-02-21T09:00:00Z');
const ddbMock = mockClient(DynamoDBDocumentClient);

function makeHandler() {
  return createFeedbackHandler({
    ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' })),
    logger: createLogger({ logLevel: 'SILENT' }),
    clock: () => NOW,
    settings: { tableName: 'ledger' },
  });
}

function snsEvent(...messages: Array<unknown>): SNSEvent {
  return {
    Records: messages.map((m, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-2:111122223333:feedback:sub',
      Sns: {
        Type: 'Notification',
        MessageId: `sns-${i}`,
        TopicArn: 'arn:aws:sns:eu-west-2:111122223333:feedback',
        Subject: null as unknown as string,
        Message: typeof m === 'string' ? m : JSON.stringify(m),
        Timestamp: NOW.toISOString(),
        SignatureVersion: '1',
        Signature: 'x',
        SigningCertUrl: 'https://example.invalid/cert',
        UnsubscribeUrl: 'https://example.invalid/unsub',
        MessageAttributes: {},
      },
    })),
  };
}

const bounce = (bounceType: string, ...emails: string[]) => ({
  eventType: 'Bounce',
  mail: { messageId: 'ses-1' },
  bounce: {
    bounceType,
    bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
    bouncedRecipients: emails.map((emailAddress) => ({ emailAddress })),
  },
});

beforeEach(() => {
  ddbMock.reset();
  ddbMock.on(PutCommand).resolves({});
});

describe('SES feedback', () => {
  it('suppresses every recipient of a permanent bounce', async () => {
    await makeHandler()(snsEvent(bounce('Permanent', 'Gone@Example.org', 'also-gone@example.org')));
    expect(ddbMock).toHaveReceivedCommandTimes(PutCommand, 2);
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'suppress#gone@example.org', reason: 'bounce' }),
    });
  });

  it('only logs a transient bounce', async () => {
    await makeHandler()(snsEvent(bounce('Transient', 'full@example.org')));
    expect(ddbMock).not.toHaveReceivedCommand(PutCommand);
  });

  it('suppresses a complainant at once, including from an SES v1 notification', async () => {
    await makeHandler()(
      snsEvent({
        notificationType: 'Complaint',
        mail: { messageId: 'ses-2' },
        complaint: {
          complaintFeedbackType: 'abuse',
          complainedRecipients: [{ emailAddress: '"Ann" <ann@example.org>' }],
        },
      }),
    );
    expect(ddbMock).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'suppress#ann@example.org', reason: 'complaint' }),
    });
  });

  it('skips malformed and unrelated messages without failing the others', async () => {
    await makeHandler()(
      snsEvent(
        'not json',
        { eventType: 'Bounce' },
        { eventType: 'Delivery', mail: {} },
        bounce('Permanent', 'gone@example.org'),
      ),
    );
    expect(ddbMock).toHaveReceivedCommandTimes(PutCommand, 1);
  });

  it('treats an address already suppressed as done', async () => {
    ddbMock
      .on(PutCommand)
      .rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
    await expect(
      makeHandler()(snsEvent(bounce('Permanent', 'gone@example.org'))),
    ).resolves.toBeUndefined();
  });

  it('throws when the ledger is unavailable so Lambda retries the event', async () => {
    ddbMock.on(PutCommand).rejects(new Error('DynamoDB is down'));
    await expect(makeHandler()(snsEvent(bounce('Permanent', 'gone@example.org')))).rejects.toThrow(
      /down/,
    );
  });
});
