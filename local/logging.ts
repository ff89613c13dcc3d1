/**
 * Handler logs for the local stack: the same Powertools logger the Lambdas use, but
 * written as JSON lines to `<stateDir>/logs/herald.log` so the terminal shows only the
 * summary. `logLevel: 'SILENT'` turns them off.
 */
import { Console } from 'node:console';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createLogger, type Logger } from '../functions/shared/logger';

export type LocalLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export interface LocalLogs {
  forFunction(name: string): Logger;
  readonly path: string;
  close(): Promise<void>;
}

export function createLocalLogs(stateDir: string, logLevel: LocalLogLevel = 'INFO'): LocalLogs {
  const dir = join(stateDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'herald.log');
  const stream: WriteStream = createWriteStream(path, { flags: 'a' });
  const fileConsole = new Console({ stdout: stream, stderr: stream });
  return {
    path,
    forFunction(name) {
      const logger = createLogger({ serviceName: `herald-${name}`, logLevel });
      // Powertools writes through a private Console; point it at the log file instead of stdout.
      Object.defineProperty(logger, 'console', { value: fileConsole, writable: true });
      return logger;
    },
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}
