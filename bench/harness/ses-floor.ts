/**
 * The floor for `send.coldInitRatio`: a Lambda that only imports the SES
 * client and sends one fixed raw message. The message is the real sample
 * email (inlined at bundle time) so the emulator's parsing cost is the same
 * on both sides of the ratio.
 */
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';

declare const __FLOOR_RAW_BASE64__: string;

const ses = new SESClient({ maxAttempts: 1 });
const raw = Buffer.from(__FLOOR_RAW_BASE64__, 'base64');

export const handler = async (): Promise<string | undefined> => {
  const out = await ses.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
  return out.MessageId;
};
