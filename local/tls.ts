/**
 * A self-signed certificate for the local unsubscribe pages.
 *
 * core/mime only accepts an https:// List-Unsubscribe URL (RFC 8058 one-click needs
 * https), so the local unsubscribe handler is served over TLS on loopback. Node can make
 * keys but not certificates, and nothing may be downloaded, so this writes the few DER
 * structures of an X.509 v3 certificate by hand: ECDSA P-256, SAN 127.0.0.1 and
 * localhost, one year. It is created once in `<stateDir>/tls/` so a browser exception (or
 * a trusted import) lasts across runs. Browsers show a warning for it: that is expected.
 */
import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes as randomBytesOf,
  sign,
  X509Certificate,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalTls {
  key: string;
  cert: string;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const part of rest) {
    const chunk: number[] = [];
    let v = part;
    do {
      chunk.unshift(v % 128);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i += 1) chunk[i] = (chunk[i] ?? 0) | 0x80;
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function integer(bytes: Buffer): Buffer {
  // Positive: a leading 0x00 when the high bit is set.
  return tlv(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * A fresh self-signed certificate for 127.0.0.1 and localhost. `randomBytes` is for
 * tests that need a particular serial number.
 */
export function createSelfSignedCertificate(
  now: Date = new Date(),
  randomBytes: (size: number) => Buffer = randomBytesOf,
): LocalTls {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const subject = name('Herald local stack');
  const subjectAltName = sequence(
    tlv(0x87, Buffer.from([127, 0, 0, 1])), // iPAddress
    tlv(0x82, Buffer.from('localhost', 'ascii')), // dNSName
  );
  const extensions = tlv(
    0xa3,
    sequence(
      sequence(oid('2.5.29.17'), tlv(0x04, subjectAltName)),
      // Not a CA; for a server.
      sequence(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, sequence())),
      sequence(oid('2.5.29.37'), tlv(0x04, sequence(oid('1.3.6.1.5.5.7.3.1')))),
    ),
  );
  // DER integers are minimal: a first byte of 0x00 (before a byte < 0x80) is illegal
  // padding that OpenSSL refuses. 0x40-0x7f keeps the serial positive, 16 bytes and minimal.
  const serial = randomBytes(16);
  serial[0] = 0x40 | ((serial[0] ?? 0) & 0x3f);
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    subject,
    sequence(
      utcTime(new Date(now.getTime() - 86_400_000)),
      utcTime(new Date(now.getTime() + 365 * 86_400_000)),
    ),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const certificate = sequence(tbs, ecdsaWithSha256, tlv(0x03, Buffer.from([0]), signature));
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: pem('CERTIFICATE', certificate),
  };
}

/** Loads `<stateDir>/tls/{key,cert}.pem`, making a new pair when missing or expiring within a day. */
export async function loadOrCreateTls(stateDir: string, now: Date = new Date()): Promise<LocalTls> {
  const dir = join(stateDir, 'tls');
  try {
    const [key, cert] = await Promise.all([
      readFile(join(dir, 'key.pem'), 'utf8'),
      readFile(join(dir, 'cert.pem'), 'utf8'),
    ]);
    const x509 = new X509Certificate(cert);
    if (
      Date.parse(x509.validTo) > now.getTime() + 86_400_000 &&
      x509.checkPrivateKey(createPrivateKey(key))
    ) {
      return { key, cert };
    }
  } catch {
    // Missing or unreadable: make a new one below.
  }
  const tls = createSelfSignedCertificate(now);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'key.pem'), tls.key, { mode: 0o600 });
  await writeFile(join(dir, 'cert.pem'), tls.cert);
  return tls;
}
