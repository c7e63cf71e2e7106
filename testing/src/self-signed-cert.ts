import { generate } from 'selfsigned'

export interface TestCertificate {
  /** PEM certificate; it is its own CA, so trusting it (as `ca`) is enough for a client. */
  cert: string
  /** PEM private key. */
  key: string
}

let cached: Promise<TestCertificate> | undefined

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made at run time (nothing secret is
 * committed) and shared by every server of this process. EC P-256: generated in milliseconds.
 */
export const testCertificate = (): Promise<TestCertificate> => {
  cached ??= generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 7 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  }).then((pems) => ({ cert: pems.cert, key: pems.private }))
  return cached
}
