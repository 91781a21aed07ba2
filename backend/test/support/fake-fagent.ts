import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  name: string;
  address?: string;
  status: string;
  weight?: number;
  current_sessions?: number;
  max_sessions?: number;
}

/** A fault to inject on the next matching requests. */
export type Fault =
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number }
  | { kind: 'invalid-json' }
  | { kind: 'body'; body: unknown }
  | { kind: 'reset' };

export interface Recorded {
  method: string;
  /** The raw path as it arrived (still URL-encoded). */
  rawPath: string;
  segments: string[];
  authorization?: string;
}

/**
 * A real HTTP FAgent on 127.0.0.1 speaking the seed's protocol from in-memory state, with fault injection
 * per route (backends list, one backend's servers, commands).
 */
export class FakeFagent {
  readonly instances = new Map<string, Map<string, FakeServer[]>>();
  readonly requests: Recorded[] = [];
  private readonly faults: Array<{ match: (r: Recorded) => boolean; fault: Fault; times: number }> = [];
  private http?: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();
  url = '';

  setBackend(instance: string, backend: string, servers: FakeServer[]): this {
    if (!this.instances.has(instance)) {
      this.instances.set(instance, new Map());
    }
    this.instances.get(instance)!.set(
      backend,
      servers.map((s) => ({ ...s }))
    );
    return this;
  }

  removeBackend(instance: string, backend: string): this {
    this.instances.get(instance)?.delete(backend);
    return this;
  }

  server(instance: string, backend: string, name: string): FakeServer {
    const s = this.instances
      .get(instance)
      ?.get(backend)
      ?.find((x) => x.name === name);
    if (!s) {
      throw new Error(`no fake server ${instance}/${backend}/${name}`);
    }
    return s;
  }

  /** Injects a fault for requests whose decoded segments satisfy `match`, `times` times (Infinity = until cleared). */
  inject(match: (r: Recorded) => boolean, fault: Fault, times = Infinity): this {
    this.faults.push({ match, fault, times });
    return this;
  }

  clearFaults(): this {
    this.faults.length = 0;
    for (const res of this.hanging) {
      res.destroy();
    }
    this.hanging.clear();
    return this;
  }

  async start(port = 0): Promise<this> {
    this.http = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.http!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.http!.address() as AddressInfo).port}`;
    return this;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async stop(): Promise<void> {
    if (!this.http) {
      return;
    }
    for (const res of this.hanging) {
      res.destroy();
    }
    this.http!.closeAllConnections();
    await new Promise<void>((resolve) => this.http!.close(() => resolve()));
    this.http = undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const rawPath = (req.url ?? '').split('?')[0];
    const segments = rawPath.split('/').filter(Boolean).map(decodeURIComponent);
    const rec: Recorded = { method: req.method ?? 'GET', rawPath, segments, authorization: req.headers.authorization };
    this.requests.push(rec);
    const f = this.faults.find((x) => x.times > 0 && x.match(rec));
    if (f) {
      f.times--;
      switch (f.fault.kind) {
        case 'hang':
          this.hanging.add(res);
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'delay':
          await new Promise((r) => setTimeout(r, (f.fault as { ms: number }).ms));
          break;
        case 'status':
          res
            .writeHead(f.fault.status, { 'content-type': 'application/json' })
            .end(f.fault.body ?? '{"error":"injected"}');
          return;
        case 'invalid-json':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"success": true, "backends": [');
          return;
        case 'body':
          return json(res, 200, f.fault.body);
      }
    }
    // api haproxy {instance} backends [{backend} servers [{server} {command}]]
    const [a, h, instance, b, backend, s, server, command] = segments;
    if (a !== 'api' || h !== 'haproxy' || b !== 'backends') {
      return json(res, 404, { success: false, error: 'no such route' });
    }
    const inst = this.instances.get(instance);
    if (!inst) {
      return json(res, 404, { success: false, error: `unknown instance ${instance}` });
    }
    if (segments.length === 4 && req.method === 'GET') {
      return json(res, 200, { success: true, backends: [...inst.keys()] });
    }
    const servers = inst.get(backend);
    if (!servers) {
      return json(res, 404, { success: false, error: `unknown backend ${backend}` });
    }
    if (segments.length === 6 && s === 'servers' && req.method === 'GET') {
      return json(res, 200, {
        success: true,
        servers: servers.map((x) => ({
          name: x.name,
          address: x.address ?? '10.0.0.1:80',
          status: x.status,
          weight: x.weight ?? 1,
          current_sessions: x.current_sessions ?? 0,
          max_sessions: x.max_sessions ?? 100,
        })),
      });
    }
    if (segments.length === 8 && s === 'servers' && req.method === 'POST') {
      const target = servers.find((x) => x.name === server);
      if (!target) {
        return json(res, 404, { success: false, error: `unknown server ${server}` });
      }
      const next = { drain: 'DRAIN', ready: 'UP', maint: 'MAINT' }[command as 'drain' | 'ready' | 'maint'];
      if (!next) {
        return json(res, 400, { success: false, error: `unknown command ${command}` });
      }
      target.status = next;
      return json(res, 200, { success: true, message: `${command} applied` });
    }
    return json(res, 404, { success: false, error: 'no such route' });
  }
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Fault matchers by route. */
export const on = {
  backends: (instance?: string) => (r: Recorded) =>
    r.segments.length === 4 && (!instance || r.segments[2] === instance),
  servers: (backend?: string) => (r: Recorded) => r.segments.length === 6 && (!backend || r.segments[4] === backend),
  command: () => (r: Recorded) => r.method === 'POST',
  any: () => () => true,
};
