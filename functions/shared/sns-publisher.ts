/**
 * The SNS implementation of the Publisher port, in a module of its own so that a
 * function that rarely publishes (send) can import it, and the SNS client, on first use.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DestinationNotConfiguredError } from './errors';
import type { Publisher, TopicName } from './ports';

/** Publishes to SNS; `topicArns` names only the topics this function may use. */
export function createSnsPublisher(
  sns: SNSClient,
  topicArns: Partial<Record<TopicName, string>>,
): Publisher {
  return {
    async publish(request) {
      const arn = topicArns[request.topic];
      if (!arn)
        throw new DestinationNotConfiguredError(`no ARN configured for the ${request.topic} topic`);
      const result = await sns.send(
        new PublishCommand({
          TopicArn: arn,
          Message: request.body,
          ...(request.subject === undefined ? {} : { Subject: request.subject }),
          ...(request.attributes === undefined ? {} : { MessageAttributes: request.attributes }),
        }),
      );
      return { messageId: result.MessageId ?? '' };
    },
  };
}
