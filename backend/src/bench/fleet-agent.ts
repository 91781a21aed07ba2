import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The benchmark's fast fake FAgent, run in a child process so its CPU and memory are not the backend's.
 * Answers are pre-serialised; a message from the parent changes a share of the statuses.
 */
export interface FleetShape {
  instances: number;
  backends: number;
  servers: number;
}

export const instanceName = (i: number) => `bench-${i}`;
export const backendName = (b: number) => `backend_${b}`;

function main() {
  const shape: FleetShape = JSON.parse(process.argv[2]);
  const status: Uint8Array[] = [];
  for (let i = 0; i < shape.instances * shape.backends; i++) {
    status.push(new Uint8Array(shape.servers));
  }
  const backendsBody = JSON.stringify({
    success: true,
    backends: Array.from({ length: shape.backends }, (_, b) => backendName(b)),
  });
  const cache = new Map<number, string>();
  const serversBody = (i: number, b: number) => {
    const k = i * shape.backends + b;
    let body = cache.get(k);
    if (!body) {
      const servers = Array.from({ length: shape.servers }, (_, s) => ({
        name: `srv_${s}`,
        address: `10.${i % 250}.${b % 250}.${s + 1}:8080`,
        status: status[k][s] ? 'DOWN' : 'UP',
        weight: 100,
        current_sessions: 0,
        max_sessions: 1000,
      }));
      body = JSON.stringify({ success: true, servers });
      cache.set(k, body);
    }
    return body;
  };
  const server = http.createServer((req, res) => {
    const parts = (req.url ?? '').split('/');
    // /api/haproxy/bench-I/backends[/backend_B/servers]; the seed's protocol only (/info, /state: 404).
    if (parts[4] !== 'backends') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"success":false,"error":"no such route"}');
      return;
    }
    const i = Number(parts[3]?.slice(6));
    const body = parts.length === 5 ? backendsBody : serversBody(i, Number(parts[5]?.slice(8)));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('message', (m: { flip: number }) => {
    // Flip the status of `flip` servers spread evenly over the fleet.
    const total = shape.instances * shape.backends * shape.servers;
    const step = Math.max(1, Math.floor(total / m.flip));
    for (let n = 0; n < m.flip; n++) {
      const idx = (n * step) % total;
      const k = Math.floor(idx / shape.servers);
      status[k][idx % shape.servers] ^= 1;
      cache.delete(k);
    }
    process.send!({ flipped: m.flip });
  });
}

if (require.main === module) {
  main();
}
