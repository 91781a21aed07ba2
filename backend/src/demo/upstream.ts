import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface UpstreamOptions {
  /** Loopback address to bind; 127.0.0.2 and up work on Linux and give servers distinct hosts. */
  host?: string;
  /** Status answered to the health check path, e.g. 200 (UP) or 500 (DOWN: L7STS). */
  healthStatus?: number;
  healthPath?: string;
  /** Text in every answer, so a curl through HAProxy shows which upstream served it. */
  label?: string;
}

export interface Upstream {
  host: string;
  port: number;
  /** "host:port", as a HAProxy server line wants it. */
  address: string;
  stop(): Promise<void>;
}

/** A tiny HTTP application server behind HAProxy whose health check passes or fails on purpose. */
export function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const host = options.host ?? '127.0.0.1';
  const healthStatus = options.healthStatus ?? 200;
  const healthPath = options.healthPath ?? '/health';
  const label = options.label ?? 'upstream';
  const server = createServer((req, res) => {
    const status = req.url === healthPath ? healthStatus : 200;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(`${label} ${status}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        host,
        port,
        address: `${host}:${port}`,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
