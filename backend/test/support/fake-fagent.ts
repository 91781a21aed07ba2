import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface FakeServer {
  name: string;
  address?: string;
  status: string;
  weight?: number;
  current_sessions?: number;
  max_sessions?: number;
  // The extended protocol's optional fields: sent only when set.
  id?: number;
  admin_state?: string;
  maint_source?: string | null;
  operational_state?: string;
  initial_weight?: number;
  /** "backend/server" it follows through `track`. */
  tracks?: string | null;
  /** A `backup` server (show stat's `bck`). */
  backup?: boolean;
  /** HAProxy's configured weight, which a percentage is of, for an agent that does not tell it (initial_weight). */
  configured_weight?: number;
}

/** A fault to inject on the next matching requests. */
export type Fault =
  | { kind: 'status'; status: number; body?: string | Buffer; headers?: Record<string, string> }
  /** The real answer gzipped, with its Content-Encoding (a proxy in front compressing unasked). */
  | { kind: 'gzip' }
  /**
   * The real answer with "é" added to each name, written as Latin-1 rather than UTF-8 (an agent that writes its
   * platform's code page): the name's byte 0xE9 is no UTF-8.
   */
  | { kind: 'latin1' }
  | { kind: 'hang' }
  /** The real answer, late. */
  | { kind: 'delay'; ms: number }
  | { kind: 'invalid-json' }
  /** A proxy's error page instead of JSON. */
  | { kind: 'html'; status?: number }
  | { kind: 'body'; body: unknown; status?: number }
  /** The real answer, changed before it is sent (wrong types, nulls, empty lists, duplicates...). */
  | { kind: 'rewrite'; rewrite: (answer: unknown, rec: Recorded, agent: FakeFagent) => unknown }
  /** The connection closed before any answer. */
  | { kind: 'reset' }
  /** Half of the real answer (with the full Content-Length), then the connection closed. */
  | { kind: 'reset-mid-body' }
  /** The real answer, `bytes` every `everyMs`. */
  | { kind: 'drip'; bytes: number; everyMs: number }
  /**
   * A well-formed answer of `items` servers (or backend names), streamed: ~110 bytes per server; or `items`
   * entries of another `shape`.
   */
  | { kind: 'huge'; items: number; shape?: StreamShape }
  /** The first matching request gets `bad`, the next the real answer, and so on. */
  | { kind: 'flapping'; bad: Fault }
  /**
   * The real answer as it is when the request arrives (a command applied then), sent when `until` resolves:
   * an agent whose answer is in flight while something else happens.
   */
  | { kind: 'hold'; until: Promise<unknown> };

/**
 * The named fault kinds a fault matrix crosses with sync, command and bulk. `inject(match, namedFault(name))`
 * puts one on a route; see namedFault for what each does on each route.
 */
export const FAULT_NAMES = [
  'hang',
  'slow',
  '5xx',
  '4xx',
  'invalid-json',
  'html',
  'success-false',
  'wrong-types',
  'nulls',
  'one-backend-failing',
  'empty',
  'duplicates',
  'huge',
  'drip',
  'reset-mid-body',
  'flapping',
  'redirect',
  'gzip',
  'latin1',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** A streamed answer: `head`, then `items` entries separated by `separator` (default `,`), then `tail`. */
export interface StreamShape {
  head: string;
  item: (i: number) => string;
  separator?: string;
  tail: string;
}

export type RouteKind = 'backends' | 'servers' | 'command' | 'info' | 'state' | 'unknown';

/** Every value (but `success`) in objects and arrays replaced through `leaf`, arrays through `list`. */
function deepMap(v: unknown, leaf: (x: unknown) => unknown, list: (xs: unknown[]) => unknown[] = (xs) => xs): unknown {
  if (Array.isArray(v)) {
    return list(v.map((x) => deepMap(x, leaf, list)));
  }
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'success' ? x : deepMap(x, leaf, list)]));
  }
  return leaf(v);
}

/**
 * A named fault with parameters a test can rely on: `slow` is 150 ms (under any deadline of 1 s or more),
 * `drip` sends 1 byte every 50 ms (a 40-byte answer takes 2 s), `huge` is 1,000,000 servers (~100 MB).
 * `one-backend-failing` answers 503 for `backend`'s servers (and a broken entry for it in /state); other
 * routes answer normally. On a command, the rewrites that find no list leave the answer as it is.
 */
export function namedFault(name: FaultName, o: { backend?: string } = {}): Fault {
  switch (name) {
    case 'hang':
      return { kind: 'hang' };
    case 'slow':
      return { kind: 'delay', ms: 150 };
    case '5xx':
      return { kind: 'status', status: 503 };
    case '4xx':
      return { kind: 'status', status: 403 };
    case 'invalid-json':
      return { kind: 'invalid-json' };
    case 'html':
      return { kind: 'html' };
    case 'success-false':
      return { kind: 'body', body: { success: false, error: 'injected: runtime API unavailable' } };
    case 'wrong-types': // strings as numbers, numbers and booleans as strings (success left alone)
      return {
        kind: 'rewrite',
        rewrite: (a) =>
          deepMap(a, (x) =>
            typeof x === 'string' ? x.length : typeof x === 'number' || typeof x === 'boolean' ? String(x) : x
          ),
      };
    case 'nulls':
      return { kind: 'rewrite', rewrite: (a) => deepMap(a, () => null) };
    case 'empty':
      return {
        kind: 'rewrite',
        rewrite: (a) =>
          deepMap(
            a,
            (x) => x,
            () => []
          ),
      };
    case 'duplicates':
      return {
        kind: 'rewrite',
        rewrite: (a) =>
          deepMap(
            a,
            (x) => x,
            (xs) => [...xs, ...xs]
          ),
      };
    case 'one-backend-failing':
      return {
        kind: 'rewrite',
        rewrite: (a, rec, agent) => {
          const failing = o.backend ?? [...(agent.instances.get(rec.segments[2])?.keys() ?? [])][0];
          if (rec.route === 'servers' && rec.segments[4] === failing) {
            return { status: 503, body: { error: 'injected: one backend failing' } };
          }
          const answer = a as { backends?: Array<{ name: string; servers: unknown }> };
          const i = rec.route === 'state' ? (answer.backends ?? []).findIndex((b) => b.name === failing) : -1;
          if (i >= 0) {
            answer.backends![i] = { ...answer.backends![i], servers: 'failed' };
          }
          return a;
        },
      };
    case 'huge':
      return { kind: 'huge', items: 1_000_000 };
    case 'drip':
      return { kind: 'drip', bytes: 1, everyMs: 50 };
    case 'reset-mid-body':
      return { kind: 'reset-mid-body' };
    case 'flapping':
      return { kind: 'flapping', bad: { kind: 'status', status: 503 } };
    case 'redirect':
      return { kind: 'status', status: 301, headers: { location: 'https://agent.example:8443/api/haproxy' } };
    case 'gzip':
      return { kind: 'gzip' };
    case 'latin1':
      return { kind: 'latin1' };
  }
}

/** The answer a rewrite returns to change the status too (one-backend-failing). */
interface StatusAnswer {
  status: number;
  body: unknown;
}
const isStatusAnswer = (v: unknown): v is StatusAnswer =>
  typeof v === 'object' && v !== null && 'status' in v && typeof (v as StatusAnswer).status === 'number';

export interface Recorded {
  method: string;
  /** The raw path as it arrived (still URL-encoded). */
  rawPath: string;
  segments: string[];
  authorization?: string;
  route: RouteKind;
  /** A command's JSON body. */
  body?: unknown;
}

export interface FakeFagentOptions {
  /** `seed`: only the seed's three endpoints (404 for the rest), like an FAgent that knows nothing newer. */
  protocol?: 'seed' | 'extended';
  /** Answer https with this certificate and key. */
  tls?: { cert: Buffer; key: Buffer };
}

const COMMAND_STATUS: Record<string, string> = { drain: 'DRAIN', ready: 'UP', maint: 'MAINT' };

function routeOf(method: string, s: string[]): RouteKind {
  if (s[0] !== 'api' || s[1] !== 'haproxy') {
    return 'unknown';
  }
  if (method === 'GET' && s.length === 4) {
    return s[3] === 'backends' ? 'backends' : s[3] === 'info' ? 'info' : s[3] === 'state' ? 'state' : 'unknown';
  }
  if (s[3] !== 'backends' || s[5] !== 'servers') {
    return 'unknown';
  }
  return method === 'GET' && s.length === 6 ? 'servers' : method === 'POST' && s.length === 8 ? 'command' : 'unknown';
}

/**
 * A real HTTP FAgent on 127.0.0.1 speaking the FAgent protocol from in-memory state (the seed's endpoints, and
 * with `protocol: 'extended'` /info, /state, weight and shutdown-sessions), with fault injection per route.
 */
export class FakeFagent {
  readonly instances = new Map<string, Map<string, FakeServer[]>>();
  readonly requests: Recorded[] = [];
  readonly protocol: 'seed' | 'extended';
  private readonly tls?: { cert: Buffer; key: Buffer };
  private readonly processes = new Map<string, { pid: number; startedAt: Date }>();
  private readonly faults: Array<{ match: (r: Recorded) => boolean; fault: Fault; times: number; served: number }> = [];
  private http?: http.Server;
  /** Answers still open (hanging, dripping, streaming, held), ended by clearFaults and stop. */
  private readonly open = new Set<http.ServerResponse>();
  private nextPid = 1000;
  url = '';

  constructor(o: FakeFagentOptions = {}) {
    this.protocol = o.protocol ?? 'seed';
    this.tls = o.tls;
  }

  setBackend(instance: string, backend: string, servers: FakeServer[]): this {
    if (!this.instances.has(instance)) {
      this.instances.set(instance, new Map());
      this.restart(instance);
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

  /** A new HAProxy process for the instance: /info and /state report a new pid and start time. */
  restart(instance: string, startedAt = new Date()): this {
    this.processes.set(instance, { pid: this.nextPid++, startedAt });
    return this;
  }

  /**
   * The instance's process reports a start time `byMs` later (earlier when negative) under the same pid: an agent
   * that derives it from the uptime on every call, or a container's HAProxy restarted as pid 1.
   */
  moveStart(instance: string, byMs: number): this {
    const p = this.processes.get(instance)!;
    p.startedAt = new Date(p.startedAt.getTime() + byMs);
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

  /**
   * Resolves when a request satisfying `match` has arrived (polled; at most `timeoutMs`). `after`: look only past
   * the first `after` requests recorded (`requests.length` taken before the action), so that an earlier request,
   * e.g. a setup's sync, does not answer for the one awaited.
   */
  async arrived(
    match: (r: Recorded) => boolean,
    { after = 0, timeoutMs = 5000 }: { after?: number; timeoutMs?: number } = {}
  ): Promise<Recorded> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.slice(after).find(match);
      if (found) {
        return found;
      }
      if (Date.now() > until) {
        throw new Error(`no matching request within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Injects a fault for requests whose decoded segments satisfy `match`, `times` times (Infinity = until cleared). */
  inject(match: (r: Recorded) => boolean, fault: Fault, times = Infinity): this {
    this.faults.push({ match, fault, times, served: 0 });
    return this;
  }

  clearFaults(): this {
    this.faults.length = 0;
    for (const res of this.open) {
      res.destroy();
    }
    this.open.clear();
    return this;
  }

  async start(port = 0): Promise<this> {
    const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch(() => res.destroy());
    };
    this.http = this.tls ? https.createServer(this.tls, answer) : http.createServer(answer);
    await new Promise<void>((resolve) => this.http!.listen(port, '127.0.0.1', resolve));
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.http!.address() as AddressInfo).port}`;
    return this;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Closes every connection (keep-alive ones included), so the next request opens a new one. */
  dropConnections(): this {
    this.http?.closeAllConnections();
    return this;
  }

  async stop(): Promise<void> {
    if (!this.http) {
      return;
    }
    this.clearFaults();
    this.http!.closeAllConnections();
    await new Promise<void>((resolve) => this.http!.close(() => resolve()));
    this.http = undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const rawPath = (req.url ?? '').split('?')[0];
    const segments = rawPath.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const rec: Recorded = {
      method,
      rawPath,
      segments,
      authorization: req.headers.authorization,
      route: routeOf(method, segments),
    };
    rec.body = method === 'POST' ? await readJson(req) : undefined;
    this.requests.push(rec);
    const f = this.faults.find((x) => x.times > 0 && x.match(rec));
    let fault = f?.fault;
    if (f) {
      f.times--;
      if (fault?.kind === 'flapping') {
        fault = f.served % 2 === 0 ? fault.bad : undefined;
      }
      f.served++;
    }
    if (!fault) {
      return send(res, this.answer(rec));
    }
    switch (fault.kind) {
      case 'hang':
        this.open.add(res);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'delay':
        await new Promise((r) => setTimeout(r, (fault as { ms: number }).ms));
        return send(res, this.answer(rec));
      case 'hold': {
        const answer = this.answer(rec);
        this.open.add(res);
        await fault.until;
        this.open.delete(res);
        return res.destroyed ? undefined : send(res, answer);
      }
      case 'status':
        res
          .writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
          .end(fault.body ?? '{"error":"injected"}');
        return;
      case 'gzip': {
        const { status, body } = this.answer(rec);
        res
          .writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
          .end(gzipSync(JSON.stringify(body)));
        return;
      }
      case 'latin1': {
        const { status, body } = this.answer(rec);
        // A name is a `name` field or an entry of a list of names (the seed's /backends).
        const text = JSON.stringify(body, function (this: unknown, key, value: unknown) {
          return typeof value === 'string' && (key === 'name' || Array.isArray(this)) ? `${value}é` : value;
        });
        res.writeHead(status, { 'content-type': 'application/json' }).end(Buffer.from(text, 'latin1'));
        return;
      }
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"success": true, "backends": [');
        return;
      case 'html':
        res
          .writeHead(fault.status ?? 200, { 'content-type': 'text/html' })
          .end(
            '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>'
          );
        return;
      case 'body':
        return send(res, { status: fault.status ?? 200, body: fault.body });
      case 'rewrite': {
        const real = this.answer(rec);
        const changed = fault.rewrite(structuredClone(real.body), rec, this);
        return send(res, isStatusAnswer(changed) ? changed : { status: real.status, body: changed });
      }
      case 'reset-mid-body': {
        const text = JSON.stringify(this.answer(rec).body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.write(text.slice(0, Math.ceil(text.length / 2)), () => req.socket.destroy());
        return;
      }
      case 'drip':
        return this.drip(res, JSON.stringify(this.answer(rec).body), fault.bytes, fault.everyMs);
      case 'huge':
        return this.stream(res, fault.items, fault.shape ?? this.hugeShape(rec));
    }
  }

  /** The answer of a healthy agent to `rec`. */
  private answer(rec: Recorded): StatusAnswer {
    const notFound = (error: string) => ({ status: 404, body: { success: false, error } });
    const [, , instance, , backend, , server, command] = rec.segments;
    const extended = this.protocol === 'extended';
    if (rec.route === 'unknown' || (!extended && (rec.route === 'info' || rec.route === 'state'))) {
      return notFound('no such route');
    }
    const inst = this.instances.get(instance);
    if (!inst) {
      return notFound(`unknown instance ${instance}`);
    }
    if (rec.route === 'backends') {
      return { status: 200, body: { success: true, backends: [...inst.keys()] } };
    }
    if (rec.route === 'info') {
      return { status: 200, body: { success: true, ...this.info(instance) } };
    }
    if (rec.route === 'state') {
      const backends = [...inst].map(([name, servers]) => ({ name, servers: servers.map(toAnswer) }));
      return { status: 200, body: { success: true, info: this.info(instance), backends } };
    }
    const servers = inst.get(backend);
    if (!servers) {
      return notFound(`unknown backend ${backend}`);
    }
    if (rec.route === 'servers') {
      return { status: 200, body: { success: true, servers: servers.map(toAnswer) } };
    }
    const target = servers.find((x) => x.name === server);
    if (!target) {
      return notFound(`unknown server ${server}`);
    }
    if (COMMAND_STATUS[command]) {
      applyAdminCommand(target, command);
      return { status: 200, body: { success: true, message: `${command} applied` } };
    }
    if (extended && command === 'shutdown-sessions') {
      target.current_sessions = 0;
      return { status: 200, body: { success: true, message: 'sessions shut down' } };
    }
    if (extended && command === 'weight') {
      const w = (rec.body as { weight?: unknown } | undefined)?.weight;
      const initial = target.initial_weight ?? target.configured_weight ?? target.weight ?? 1;
      const next =
        typeof w === 'number'
          ? w
          : typeof w === 'string' && /^\d+%$/.test(w)
            ? Math.round((initial * parseInt(w, 10)) / 100)
            : NaN;
      if (!Number.isInteger(next) || next < 0 || next > 256) {
        return { status: 400, body: { success: false, error: 'weight must be 0..256 or a percentage' } };
      }
      target.weight = next;
      return { status: 200, body: { success: true, message: 'weight set', weight: next } };
    }
    return notFound(`no such action "${command}"`);
  }

  private info(instance: string) {
    const p = this.processes.get(instance) ?? { pid: 0, startedAt: new Date(0) };
    return {
      version: '2.6.12-fake',
      pid: p.pid,
      started_at: p.startedAt.toISOString(),
      uptime_s: Math.max(0, Math.floor((Date.now() - p.startedAt.getTime()) / 1000)),
    };
  }

  private drip(res: http.ServerResponse, text: string, bytes: number, everyMs: number) {
    this.open.add(res);
    res.writeHead(200, { 'content-type': 'application/json' });
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed || at >= text.length) {
        clearInterval(timer);
        this.open.delete(res);
        res.end();
        return;
      }
      res.write(text.slice(at, (at += bytes)));
    }, everyMs);
  }

  /** Writes an answer of `items` entries as fast as the client reads, until it is done or gone. */
  private async stream(res: http.ServerResponse, items: number, shape: StreamShape) {
    this.open.add(res);
    const separator = shape.separator ?? ',';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(shape.head);
    for (let i = 0; i < items && !res.destroyed;) {
      const batch: string[] = [];
      for (const end = Math.min(items, i + 1000); i < end; i++) {
        batch.push((i > 0 ? separator : '') + shape.item(i));
      }
      if (!res.write(batch.join(''))) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done).off('close', done);
            resolve();
          };
          res.on('drain', done).on('close', done);
        });
      }
    }
    if (!res.destroyed) {
      res.end(shape.tail);
    }
    this.open.delete(res);
  }

  /** The well-formed answer of a route with many entries: servers, or backend names, or a long message. */
  private hugeShape(rec: Recorded): StreamShape {
    switch (rec.route) {
      case 'backends':
        return { head: '{"success":true,"backends":[', item: (i) => `"backend-${i}"`, tail: ']}' };
      case 'state': {
        const info = JSON.stringify(this.info(rec.segments[2]));
        const head = `{"success":true,"info":${info},"backends":[{"name":"huge","servers":[`;
        return { head, item: hugeServer, tail: ']}]}' };
      }
      case 'command':
        return { head: '{"success":true,"message":"', item: () => 'x'.repeat(100), separator: '', tail: '"}' };
      default:
        return { head: '{"success":true,"servers":[', item: hugeServer, tail: ']}' };
    }
  }
}

/**
 * drain, ready or maint as HAProxy applies it: the status follows, except that a server whose checks fail
 * stays DOWN when drained or readied (HAProxy shows health first); a server with the state fields gets its
 * admin state (a forced maint) as well.
 */
function applyAdminCommand(target: FakeServer, command: string): void {
  const down = target.operational_state === 'down';
  target.status = down && command !== 'maint' ? 'DOWN' : COMMAND_STATUS[command];
  if (target.admin_state !== undefined) {
    target.admin_state = command;
    target.maint_source = command === 'maint' ? 'forced' : null;
  }
}

/** A server as an agent with the state fields shows it: its admin state, and up or down. */
export function extendedServer(
  name: string,
  admin: 'ready' | 'drain' | 'maint' = 'ready',
  up = true,
  extra: Partial<FakeServer> = {}
): FakeServer {
  return {
    name,
    status: admin === 'maint' ? 'MAINT' : !up ? 'DOWN' : admin === 'drain' ? 'DRAIN' : 'UP',
    admin_state: admin,
    maint_source: admin === 'maint' ? 'forced' : null,
    operational_state: up ? 'up' : 'down',
    ...extra,
  };
}

/** A realistic server of about 110 bytes. */
export const hugeServer = (i: number) =>
  `{"name":"srv-${i}","address":"10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:80","status":"UP","weight":1,"current_sessions":0,"max_sessions":100}`;

function toAnswer(x: FakeServer) {
  const optional = Object.fromEntries(
    (['id', 'admin_state', 'maint_source', 'operational_state', 'initial_weight', 'tracks', 'backup'] as const)
      .filter((k) => x[k] !== undefined)
      .map((k) => [k, x[k]])
  );
  return {
    name: x.name,
    address: x.address ?? '10.0.0.1:80',
    status: x.status,
    weight: x.weight ?? 1,
    current_sessions: x.current_sessions ?? 0,
    max_sessions: x.max_sessions ?? 100,
    ...optional,
  };
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  try {
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: http.ServerResponse, a: StatusAnswer) {
  res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
}

/**
 * One fake agent for a test file or describe block: started before its tests, stopped after, faults and
 * recorded requests cleared before each test. Its state (setBackend) can be set right away.
 */
export function useFakeAgent(o: FakeFagentOptions = {}): FakeFagent {
  const agent = new FakeFagent(o);
  beforeAll(() => agent.start());
  afterAll(() => agent.stop());
  beforeEach(() => {
    agent.clearFaults();
    agent.requests.length = 0;
  });
  return agent;
}

/** Fault matchers by route. */
export const on = {
  backends: (instance?: string) => (r: Recorded) => r.route === 'backends' && (!instance || r.segments[2] === instance),
  servers: (backend?: string) => (r: Recorded) => r.route === 'servers' && (!backend || r.segments[4] === backend),
  command: () => (r: Recorded) => r.method === 'POST',
  info: () => (r: Recorded) => r.route === 'info',
  state: () => (r: Recorded) => r.route === 'state',
  any: () => () => true,
};
