/**
 * Child: the local stack's SES emulator (aws-ses-v2-local via local/emulators)
 * in its own process, as SES is not in the sender's process: the fan-out
 * ceiling is then the emulator's own, not shared with the code under test.
 * Listens on 127.0.0.1, random port; prints {"port": n}.
 */
import { startSes } from '../../local/emulators';

const server = await startSes({ port: 0 });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
