import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A self-signed certificate (its own CA) for 127.0.0.1, ::1 and localhost, made by openssl; PEM files too. */
export interface TestCertificate {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

/**
 * Makes a fresh certificate and its key in `dir` (a test's temporary directory): valid for `days` (default 2; -1
 * is one that expired yesterday), for `names` (default 127.0.0.1, ::1 and localhost, as subjectAltName).
 */
export function makeCertificate(dir: string, name: string, o: { days?: number; names?: string } = {}): TestCertificate {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  const extFile = path.join(dir, `${name}.ext`);
  // Its own CA, as `req -x509` makes one.
  const names = o.names ?? 'IP:127.0.0.1,IP:::1,DNS:localhost';
  fs.writeFileSync(extFile, `basicConstraints=critical,CA:true\nsubjectAltName=${names}\n`);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
  openssl(['req', '-new', ...key, '-subj', `/CN=${name}`, '-out', csrFile]);
  // `x509 -req` signs with the certificate's own key and, unlike `req -x509`, takes a negative number of days.
  const days = String(o.days ?? 2);
  openssl(['x509', '-req', '-in', csrFile, '-signkey', keyFile, '-days', days, '-extfile', extFile, '-out', certFile]);
  return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile), certFile, keyFile };
}

export const certificateDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hpx-tls-'));
