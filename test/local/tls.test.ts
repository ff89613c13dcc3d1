import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../local/tls';

describe('the local self-signed certificate', () => {
  it.each([
    ['all zero', 0x00],
    ['all 0xff', 0xff],
    ['all 0x01', 0x01],
  ])('is valid DER that a TLS server accepts whatever the random serial (%s)', (_, byte) => {
    // Prepare
    const now = new Date('2024-02-20T09:00:00Z');

    // Act
    const tls = createSelfSignedCertificate(now, (size) => Buffer.alloc(size, byte));

    // Assess
    const x509 = new X509Certificate(tls.cert);
    expect(x509.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(x509.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(() => createServer({ key: tls.key, cert: tls.cert }).close()).not.toThrow();
  });
});
