import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import pino, { Logger } from 'pino';
import { isAuthorized } from './auth';
import { unsafeNameReason } from './command-guard';
import { backendNames, serversOf, toFAgentServer } from './fagent-answer';
import { HaproxyInstance } from './haproxy-instance';
import { matchRoute, Route } from './routes';
import { RuntimeApiAddress, RuntimeApiError } from './runtime-api';
import { ShowStatFormatError } from './show-stat';

export interface AgentServerOptions {
  token: string;
  requestTimeoutMs: number;
  instances: ReadonlyMap<string, RuntimeApiAddress>;
  logger?: Logger;
}

export interface RunningAgent {
  /** Base URL, e.g. http://127.0.0.1:9102 */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** An error answer: the one place where failures become `{"success":false,"error"}`. */
class HttpError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

/** The FAgent HTTP server; every request is independent, so a slow instance delays only its own answers. */
export function createAgentServer(options: AgentServerOptions): Server {
  const logger = options.logger ?? pino({ level: 'silent' });
  const instances = new Map(
    [...options.instances].map(([name, address]) => [
      name,
      new HaproxyInstance(name, address, options.requestTimeoutMs),
    ])
  );

  const handle = async (req: IncomingMessage): Promise<[number, Json]> => {
    if (!isAuthorized(req.headers.authorization, options.token)) {
      throw new HttpError(401, 'missing or invalid bearer token');
    }
    const match = matchRoute(req.url ?? '/');
    if (!match.ok) {
      throw new HttpError(match.httpStatus, match.error);
    }
    if (req.method !== match.method) {
      throw new HttpError(405, `use ${match.method} on this endpoint`);
    }
    const route = match.route;
    const instance = instances.get(route.instance);
    if (!instance) {
      throw new HttpError(404, `no such instance "${route.instance}"`);
    }
    assertSafeNames(route);
    return [200, await answer(instance, route, logger)];
  };

  return createServer((req, res) => {
    req.resume(); // bodies carry nothing for us; drain them so keep-alive works
    handle(req).then(
      ([status, body]) => send(res, status, { success: true, ...body }),
      (err: unknown) => {
        const failure = toHttpError(err);
        if (failure.httpStatus >= 500) {
          logger.warn({ method: req.method, url: req.url, error: failure.message }, 'request failed');
        }
        send(res, failure.httpStatus, { success: false, error: failure.message });
      }
    );
  });
}

async function answer(instance: HaproxyInstance, route: Route, logger: Logger): Promise<Json> {
  const stats = await instance.readServers();
  if (route.kind === 'backends') {
    return { backends: backendNames(stats) };
  }

  const servers = serversOf(stats, route.backend);
  if (servers.length === 0) {
    throw new HttpError(404, `no such backend "${route.backend}" in instance "${instance.name}"`);
  }
  if (route.kind === 'servers') {
    return { servers: servers.map(toFAgentServer) };
  }

  const before = servers.find((s) => s.name === route.server);
  if (!before) {
    throw new HttpError(404, `no such server "${route.server}" in backend "${route.backend}"`);
  }
  const outcome = await instance.setServerState(route.backend, route.server, route.state);
  const target = { instance: instance.name, backend: route.backend, server: route.server, action: route.state };
  if (!outcome.ok) {
    logger.warn({ ...target, error: outcome.error }, 'command refused by HAProxy');
    throw new HttpError(outcome.httpStatus, outcome.error);
  }
  logger.info({ ...target, status_before: before.status }, 'command applied');
  return { ...target, status_before: before.status };
}

/** Names are checked on every route, not only commands, so a bad name gets the same 400 everywhere. */
function assertSafeNames(route: Route): void {
  const names: Array<[string, string]> = [];
  if (route.kind !== 'backends') {
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
  if (err instanceof RuntimeApiError) {
    return new HttpError(err.kind === 'timeout' ? 504 : 502, err.message);
  }
  if (err instanceof ShowStatFormatError) {
    return new HttpError(502, `unexpected show stat output: ${err.message}`);
  }
  return new HttpError(500, `internal error: ${(err as Error)?.message ?? String(err)}`);
}

function send(res: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
  });
  res.end(text);
}

/** Listens and resolves once the port is bound; `stop` closes idle keep-alive connections too. */
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
        url: `http://${urlHost}:${port}`,
        port,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
