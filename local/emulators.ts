/**
 * Starts the in-process emulators on loopback: s3rver (S3), aws-ses-v2-local (SES, with
 * its web inbox) and dynalite (DynamoDB, in memory). Each listens on a fixed default port
 * that a flag can change, or port 0 (random) in tests. A taken port becomes a
 * PortInUseError naming the flag to pass.
 *
 * Known gaps (docs/architecture.md, "The local stack"): s3rver's event keys are not
 * URL-encoded and carry no versionId (local/s3-events.ts encodes them like S3 does);
 * aws-ses-v2-local keeps no custom headers (local/outbox.ts keeps the raw messages);
 * dynalite has no transactions, streams or TTL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import sesModule from 'aws-ses-v2-local';
import dynalite from 'dynalite';
import S3rver, { type S3rverEventRecord } from 's3rver';
import { LocalStackError, PortInUseError } from './errors';

export const LOOPBACK = '127.0.0.1';

export const DEFAULT_PORTS = { s3: 4569, ses: 8005, dynamodb: 4567, http: 8787 } as const;

export type PortName = keyof typeof DEFAULT_PORTS;

const PORT_LABELS: Record<PortName, { service: string; flag: string }> = {
  s3: { service: 'S3 emulator', flag: '--s3-port' },
  ses: { service: 'SES inbox', flag: '--ses-port' },
  dynamodb: { service: 'DynamoDB emulator', flag: '--dynamodb-port' },
  http: { service: 'newsroom console, local receivers and unsubscribe pages', flag: '--http-port' },
};

export interface RunningServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Listens on loopback; EADDRINUSE becomes a PortInUseError for `name`. */
export function listen(server: NetServer, port: number, name: PortName): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(new PortInUseError(port, PORT_LABELS[name].service, PORT_LABELS[name].flag));
      } else {
        reject(
          new LocalStackError(
            `Cannot start the ${PORT_LABELS[name].service} on port ${port}: ${error.message}`,
          ),
        );
      }
    };
    const onListening = () => {
      server.off('error', onError);
      const actual = (server.address() as AddressInfo).port;
      resolve({
        port: actual,
        url: `http://${LOOPBACK}:${actual}`,
        close: () => closeServer(server),
      });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, LOOPBACK);
  });
}

export function closeServer(server: NetServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    // SDK clients keep connections alive; do not wait for them to time out.
    if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') {
      server.closeAllConnections();
    }
  });
}

/** Resolves with whether `port` can be bound on loopback right now. */
function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, LOOPBACK, () => {
      probe.close(() => resolve(true));
    });
  });
}

/**
 * Throws PortInUseError for the first fixed port (not 0) that is taken, so a start can
 * stop before it touches anything. The servers still report a port lost in between.
 */
export async function assertPortsFree(ports: Record<PortName, number>): Promise<void> {
  for (const name of Object.keys(ports) as PortName[]) {
    const port = ports[name];
    if (port !== 0 && !(await portIsFree(port))) {
      throw new PortInUseError(port, PORT_LABELS[name].service, PORT_LABELS[name].flag);
    }
  }
}

export interface S3Emulator extends RunningServer {
  onEvent(listener: (record: S3rverEventRecord) => void): void;
}

export async function startS3(options: {
  port: number;
  directory: string;
  buckets: string[];
}): Promise<S3Emulator> {
  const s3rver = new S3rver({
    silent: true,
    directory: options.directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
    // Path-style only: bucket names are never read from the Host header.
    vhostBuckets: false,
  });
  await s3rver.configureBuckets();
  // s3rver.run() would crash the process on EADDRINUSE (no error listener); listen ourselves.
  const server = createServer(s3rver.callback());
  const running = await listen(server, options.port, 's3');
  return {
    ...running,
    onEvent(listener) {
      s3rver.on('event', (event) => {
        for (const record of event.Records) listener(record);
      });
    },
    async close() {
      await running.close();
      s3rver.logger.exceptions.unhandle();
      s3rver.logger.close();
    },
  };
}

/** aws-ses-v2-local is CommonJS with an `exports.default`; ESM sees it as either shape. */
type SesStart = (config: { host: string; port: number }) => Promise<Server>;
function sesStarter(): SesStart {
  const mod: unknown = sesModule;
  if (typeof mod === 'function') return mod as SesStart;
  if (
    typeof mod === 'object' &&
    mod !== null &&
    'default' in mod &&
    typeof mod.default === 'function'
  ) {
    return mod.default as SesStart;
  }
  throw new LocalStackError('aws-ses-v2-local does not export a server; is the package installed?');
}

export async function startSes(options: { port: number }): Promise<RunningServer> {
  // Its listen() reports errors only through a callback it ignores, so check the port first.
  if (options.port !== 0 && !(await portIsFree(options.port))) {
    throw new PortInUseError(options.port, PORT_LABELS.ses.service, PORT_LABELS.ses.flag);
  }
  const server = await sesStarter()({ host: LOOPBACK, port: options.port });
  if (!server.listening) {
    throw new PortInUseError(options.port, PORT_LABELS.ses.service, PORT_LABELS.ses.flag);
  }
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://${LOOPBACK}:${port}`, close: () => closeServer(server) };
}

export async function startDynamo(options: { port: number }): Promise<RunningServer> {
  // In memory (no `path`): no native LevelDB needed; tables are ACTIVE at once.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const running = await listen(server, options.port, 'dynamodb');
  return {
    ...running,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Emulators {
  s3: S3Emulator;
  ses: RunningServer;
  dynamodb: RunningServer;
  close(): Promise<void>;
}

/** Starts S3, SES and DynamoDB; if one cannot start, closes those already running. */
export async function startEmulators(options: {
  ports: Record<'s3' | 'ses' | 'dynamodb', number>;
  s3Directory: string;
  buckets: string[];
}): Promise<Emulators> {
  const started: RunningServer[] = [];
  const close = async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  };
  try {
    const s3 = await startS3({
      port: options.ports.s3,
      directory: options.s3Directory,
      buckets: options.buckets,
    });
    started.push(s3);
    const ses = await startSes({ port: options.ports.ses });
    started.push(ses);
    const dynamodb = await startDynamo({ port: options.ports.dynamodb });
    started.push(dynamodb);
    return { s3, ses, dynamodb, close };
  } catch (error) {
    await close();
    throw error;
  }
}
