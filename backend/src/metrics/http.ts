import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { listen } from '../http/listen';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Router from '@koa/router';
import Koa, { Context, Next } from 'koa';
import { bearerToken, invalidToken } from '../auth/bearer';
import type { TokenStore } from '../auth/tokens';
import { errorHandler } from '../http/errors';
import type { Logger } from '../logger';
import type { ServiceMetrics } from './service-metrics';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** GET /metrics, optionally behind a guard. */
function metricsRouter(metrics: ServiceMetrics, guard?: (ctx: Context, next: Next) => Promise<void>) {
  const r = new Router();
  r.get('/metrics', ...(guard ? [guard] : []), async (ctx) => {
    // A stream of the pieces, not one string: a large fleet's text is longer than V8's longest string.
    ctx.body = Readable.from(await metrics.renderChunks());
    ctx.type = metrics.contentType;
    ctx.set('Cache-Control', 'no-store');
  });
  return r;
}

/**
 * /metrics on the API port: a bearer token is required, METRICS_TOKEN (a scrape-only secret, compared in
 * constant time) or any API token of any role.
 */
export function metricsOnApiPort(metrics: ServiceMetrics, tokens: TokenStore, metricsToken?: string): Koa.Middleware {
  const expected = metricsToken ? digest(metricsToken) : undefined;
  const guard = async (ctx: Context, next: Next) => {
    const token = bearerToken(ctx.req);
    const ok = (expected && timingSafeEqual(digest(token), expected)) || (await tokens.verify(token)) !== null;
    if (!ok) {
      throw invalidToken();
    }
    await next();
  };
  const router = metricsRouter(metrics, guard);
  return router.routes() as Koa.Middleware;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** /metrics alone on its own port without auth (METRICS_PORT): bind it where only Prometheus reaches. */
export async function startMetricsServer(
  metrics: ServiceMetrics,
  host: string,
  port: number,
  log: Logger
): Promise<MetricsServer> {
  const app = new Koa();
  app.use(errorHandler(log));
  const router = metricsRouter(metrics);
  app.use(router.routes()).use(router.allowedMethods());
  const server = http.createServer(app.callback());
  await listen(server, host, port);
  const bound = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
