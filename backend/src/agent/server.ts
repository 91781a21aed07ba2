import { createServer, IncomingMessage, Server, ServerResponse, STATUS_CODES } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import pino, { Logger } from 'pino';
import { closeGracefully } from '../http/graceful-close';
import { isAuthorized } from './auth';
import type { AgentTls } from './config';
import { parseWeight, ServerCommand, unsafeNameReason } from './command-guard';
import { toFAgentInfo, toFAgentServer, toFAgentState } from './fagent-answer';
import { HaproxyInstance } from './haproxy-instance';
import { InstanceSnapshot, SnapshotBackend } from './instance-snapshot';
import { readJsonBody, RequestBodyError } from './request-body';
import { matchRoute, Route } from './routes';
import { RuntimeApiAddress, RuntimeApiError } from './runtime-api';
import { UnexpectedOutputError } from './unexpected-output';

export interface AgentServerOptions {
  token: string;
  /** Answer https with this certificate and key (listen.tls), not plain http. */
  tls?: AgentTls;
  requestTimeoutMs: number;
  instances: ReadonlyMap<string, RuntimeApiAddress>;
  /**
   * How long one instance's snapshot (show info + show stat + show servers state) answers further
   * reads; default 0: shared only while in flight. The config file's default is 500 (docs/agent.md).
   */
  snapshotReuseMs?: number;
  logger?: Logger;
}

export interface RunningAgent {
  /** Base URL, e.g. http://127.0.0.1:9102 */
  url: string;
  port: number;
  /** Stops taking requests; those in flight get `graceMs` (default 0) to be answered before they are cut off. */
  stop(graceMs?: number): Promise<void>;
}

/** An error answer: the one place where failures become `{"success":false,"error"}`. */
class HttpError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
type CommandRoute = Extract<Route, { kind: 'command' }>;

/**
 * How long a connection may wait for its next request. The backend syncs every minute by default and keeps a
 * connection as long as the `Keep-Alive: timeout` this sets allows: with Node's 5 s, every cycle opened its
 * connections (up to 8 per instance on the seed protocol) and negotiated TLS on each again.
 */
export const AGENT_KEEP_ALIVE_MS = 150_000;

/** The FAgent HTTP server; every request is independent, so a slow instance delays only its own answers. */
export function createAgentServer(options: AgentServerOptions): Server {
  const logger = options.logger ?? pino({ level: 'silent' });
  const instances = new Map(
    [...options.instances].map(([name, address]) => [
      name,
      new HaproxyInstance(name, address, {
        timeoutMs: options.requestTimeoutMs,
        snapshotReuseMs: options.snapshotReuseMs ?? 0,
      }),
    ])
  );

  const handle = async (req: IncomingMessage, gone: AbortSignal): Promise<[number, Json]> => {
    if (!isAuthorized(req.headers.authorization, options.token)) {
      throw new HttpError(401, 'missing or invalid bearer token');
    }
    const match = matchRoute(req.url ?? '/');
    if (!match.ok) {
      throw new HttpError(match.httpStatus, match.error);
    }
    // HEAD is a GET without the body (Node leaves it out); a 405 names the methods that work.
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (method !== match.method) {
      throw new HttpError(405, `use ${match.method} on this endpoint`, {
        allow: match.method === 'GET' ? 'GET, HEAD' : 'POST',
      });
    }
    const route = match.route;
    const instance = instances.get(route.instance);
    if (!instance) {
      throw new HttpError(404, `no such instance "${route.instance}"`);
    }
    assertSafeNames(route);
    if (route.kind !== 'command') {
      req.resume(); // a read has no body; drain whatever came so keep-alive works
      return [200, await read(instance, route)];
    }
    const command = await commandOf(route, req);
    return [200, await runCommand(instance, route, command, logger, gone)];
  };

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    // The caller hung up (its own timeout) before the answer: a command not yet sent must not be sent then.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    handle(req, gone.signal).then(
      ([status, body]) => send(res, status, { success: true, ...body }),
      (err: unknown) => {
        const failure = toHttpError(err);
        if (failure.httpStatus >= 500) {
          logger.warn({ method: req.method, url: req.url, error: failure.message }, 'request failed');
        }
        // The rest of a body too large to read is not read at all: the connection closes instead.
        send(
          res,
          failure.httpStatus,
          { success: false, error: failure.message },
          failure.httpStatus === 413,
          failure.headers
        );
      }
    );
  };
  const server = options.tls ? createTlsServer(options.tls, answer) : createServer(answer);
  server.keepAliveTimeout = AGENT_KEEP_ALIVE_MS;
  server.on('clientError', answerClientError);
  return server;
}

/**
 * A request Node's parser refuses (malformed, headers too large, not received within Node's request
 * timeouts) gets the protocol's JSON too, not Node's bare status line; the connection then closes.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // An answer already started on this connection must not be corrupted by a second one.
  const started = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || started) {
    socket.destroy();
    return;
  }
  const [status, error] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'request headers too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request was not received in time']
        : [400, `malformed HTTP request (${err.code ?? err.message})`];
  const text = JSON.stringify({ success: false, error });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(text)}\r\n` +
      'cache-control: no-store\r\nconnection: close\r\n\r\n' +
      text,
    // HTTP sockets are half-open: closing only our side would leave the connection to the client.
    () => socket.destroy()
  );
}

async function read(instance: HaproxyInstance, route: Exclude<Route, CommandRoute>): Promise<Json> {
  switch (route.kind) {
    case 'info':
      return { ...toFAgentInfo(await instance.info()) };
    case 'state':
      return toFAgentState(await instance.snapshot());
    case 'backends':
      return { backends: (await instance.snapshot()).backends.map((b) => b.name) };
    case 'servers':
      return { servers: backendOf(await instance.snapshot(), route.backend).servers.map(toFAgentServer) };
  }
}

/** The command a route asks for; only `weight` has a body (`{"weight": 50}` or `{"weight": "50%"}`). */
async function commandOf(route: CommandRoute, req: IncomingMessage): Promise<ServerCommand> {
  if (route.action !== 'weight') {
    req.resume();
    return route.action === 'shutdown-sessions'
      ? { kind: 'shutdown-sessions' }
      : { kind: 'state', state: route.action };
  }
  const body = await readJsonBody(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'the body must be a JSON object: {"weight": 50} or {"weight": "50%"}');
  }
  const weight = parseWeight((body as Json).weight);
  if (!weight.ok) {
    throw new HttpError(400, weight.error);
  }
  return { kind: 'weight', weight: weight.weight };
}

async function runCommand(
  instance: HaproxyInstance,
  route: CommandRoute,
  command: ServerCommand,
  logger: Logger,
  gone: AbortSignal
): Promise<Json> {
  const before = backendOf(await instance.snapshot(), route.backend).servers.find((s) => s.stat.name === route.server);
  if (!before) {
    throw new HttpError(404, `no such server "${route.server}" in backend "${route.backend}"`);
  }
  const result = await instance.run(route.backend, route.server, command, gone);
  const target = { instance: instance.name, backend: route.backend, server: route.server, action: route.action };
  if (!result.ok) {
    logger.warn({ ...target, error: result.error }, 'command refused by HAProxy');
    throw new HttpError(result.httpStatus, result.error);
  }
  const answer = {
    ...target,
    status_before: before.stat.status,
    ...(result.weight !== undefined && { weight: result.weight }),
  };
  logger.info(answer, 'command applied');
  return answer;
}

function backendOf(snapshot: InstanceSnapshot, name: string): SnapshotBackend {
  const backend = snapshot.backends.find((b) => b.name === name);
  if (!backend) {
    throw new HttpError(404, `no such backend "${name}"`);
  }
  return backend;
}

/** Names are checked on every route, not only commands, so a bad name gets the same 400 everywhere. */
function assertSafeNames(route: Route): void {
  const names: Array<[string, string]> = [];
  if (route.kind === 'servers' || route.kind === 'command') {
    names.push(['backend', route.backend]);
  }
  if (route.kind === 'command') {
    names.push(['server', route.server]);
  }
  for (const [what, name] of names) {
    const reason = unsafeNameReason(name);
    if (reason) {
      throw new HttpError(400, `${what} name ${JSON.stringify(name)} ${reason}`);
    }
  }
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) {
    return err;
  }
  if (err instanceof RequestBodyError) {
    return new HttpError(err.httpStatus, err.message);
  }
  if (err instanceof RuntimeApiError) {
    return new HttpError(err.kind === 'timeout' ? 504 : 502, err.message);
  }
  if (err instanceof UnexpectedOutputError) {
    return new HttpError(502, `unexpected HAProxy output: ${err.message}`);
  }
  return new HttpError(500, `internal error: ${(err as Error)?.message ?? String(err)}`);
}

function send(
  res: ServerResponse,
  status: number,
  body: Json,
  close = false,
  headers: Record<string, string> = {}
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** Listens and resolves once the port is bound; `stop` closes keep-alive connections too. */
export function startAgentServer(
  options: AgentServerOptions & { host?: string; port?: number }
): Promise<RunningAgent> {
  const server = createAgentServer(options);
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
      resolve({
        url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
        port,
        stop: (graceMs = 0) => closeGracefully(server, graceMs),
      });
    });
  });
}
