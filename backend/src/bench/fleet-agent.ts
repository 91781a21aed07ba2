import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The benchmark's fast fake FAgent, run in a child process so its CPU and memory are not the backend's.
 * Answers are pre-serialised; a message from the parent changes a share of the statuses.
 * `seed`: the seed's protocol only (/backends and one /servers per backend; /info and /state answer 404), servers
 * with the seed's six fields. `state`: one `GET /state` per instance as the reference agent answers it (every
 * server with the extension's fields, the process info); the per-backend routes answer too.
 */
export interface FleetShape {
  instances: number;
  backends: number;
  servers: number;
}

export type BenchProtocol = 'seed' | 'state';

export const instanceName = (i: number) => `bench-${i}`;
export const backendName = (b: number) => `backend_${b}`;

const STARTED_AT = new Date(Date.UTC(2026, 0, 1)).toISOString();

function main() {
  const shape: FleetShape = JSON.parse(process.argv[2]);
  const protocol = (process.argv[3] ?? 'seed') as BenchProtocol;
  const status: Uint8Array[] = [];
  for (let i = 0; i < shape.instances * shape.backends; i++) {
    status.push(new Uint8Array(shape.servers));
  }
  const backendsBody = JSON.stringify({
    success: true,
    backends: Array.from({ length: shape.backends }, (_, b) => backendName(b)),
  });
  const serversOf = (i: number, b: number) => {
    const k = i * shape.backends + b;
    return Array.from({ length: shape.servers }, (_, s) => {
      const down = status[k][s] === 1;
      const seed = {
        name: `srv_${s}`,
        address: `10.${i % 250}.${b % 250}.${s + 1}:8080`,
        status: down ? 'DOWN' : 'UP',
        weight: 100,
        current_sessions: 0,
        max_sessions: 1000,
      };
      if (protocol === 'seed') {
        return seed;
      }
      return {
        ...seed,
        session_limit: 1000,
        max_sessions_observed: 12,
        check_status: down ? 'L4CON' : 'L4OK',
        last_change_seconds: 3600,
        backup: false,
        id: s + 1,
        admin_state: 'ready',
        maint_source: null,
        operational_state: down ? 'down' : 'up',
        initial_weight: 100,
      };
    });
  };
  const serversCache = new Map<number, Buffer>();
  const serversBody = (i: number, b: number) => {
    const k = i * shape.backends + b;
    let body = serversCache.get(k);
    if (!body) {
      body = Buffer.from(JSON.stringify({ success: true, servers: serversOf(i, b) }));
      serversCache.set(k, body);
    }
    return body;
  };
  const stateCache = new Map<number, Buffer>();
  const stateBody = (i: number) => {
    let body = stateCache.get(i);
    if (!body) {
      const answer = JSON.stringify({
        success: true,
        info: { version: '2.6.12', pid: 1000 + i, started_at: STARTED_AT, uptime_s: 3600 },
        backends: Array.from({ length: shape.backends }, (_, b) => ({
          name: backendName(b),
          servers: serversOf(i, b),
        })),
      });
      body = Buffer.from(answer);
      stateCache.set(i, body);
    }
    return body;
  };
  // Every answer serialised before it is asked for (at start, after a flip): the floors and the syncs then
  // measure the same agent, one that only sends bytes.
  const serialiseAll = () => {
    for (let i = 0; i < shape.instances; i++) {
      if (protocol === 'state') {
        stateBody(i);
      } else {
        for (let b = 0; b < shape.backends; b++) {
          serversBody(i, b);
        }
      }
    }
  };
  serialiseAll();
  const server = http.createServer((req, res) => {
    // /api/haproxy/bench-I/{backends[/backend_B/servers] | state}
    const parts = (req.url ?? '').split('/');
    const i = Number(parts[3]?.slice(6));
    let body: string | Buffer | undefined;
    if (parts[4] === 'backends') {
      body = parts.length === 5 ? backendsBody : serversBody(i, Number(parts[5]?.slice(8)));
    } else if (parts[4] === 'state' && protocol === 'state') {
      body = stateBody(i);
    }
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"success":false,"error":"no such route"}');
      return;
    }
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
      serversCache.delete(k);
      stateCache.delete(Math.floor(k / shape.backends));
    }
    serialiseAll();
    process.send!({ flipped: m.flip });
  });
}

if (require.main === module) {
  main();
}
