import Router from '@koa/router';
import Koa from 'koa';
import { authenticate, routeRoleFirst } from './auth';
import { clientGone, logLateErrors } from './client-gone';
import { conditionalGet } from './conditional-get';
import { errorHandler } from '../http/errors';
import { jsonBody } from './body';
import { refuseUnstorableText } from './storable-text';
import type { ApiDeps } from './deps';
import { actionRoutes } from './routes/actions';
import { adminChangeRoutes } from './routes/admin-changes';
import { agentTestRoutes } from './routes/agent-tests';
import { applicationRoutes } from './routes/applications';
import { backendRoutes } from './routes/backends';
import { budgetRoutes } from './routes/budgets';
import { commandRoutes } from './routes/commands';
import { hostRoutes } from './routes/hosts';
import { instanceRoutes } from './routes/instances';
import { mappingRoutes } from './routes/mappings';
import { operationRoutes } from './routes/operations';
import { tokenRoutes } from './routes/tokens';
import { queryRoutes } from './routes/query';
import { removalRoutes } from './routes/removals';
import { removedRoutes } from './routes/removed';
import { scopePreviewRoutes } from './routes/scope-preview';
import { serverRoutes } from './routes/servers';
import { summaryRoutes } from './routes/summary';
import { systemRoutes } from './routes/system';
import { windowRoutes } from './routes/windows';

/**
 * The Koa app: errors to JSON, health without auth, every /api route behind a bearer token and a role.
 * `extra.metrics`: GET /metrics with its own auth (metrics/http.ts), when it is served on this port.
 */
export function createApp(deps: ApiDeps, extra: { metrics?: Koa.Middleware } = {}): Koa {
  const app = new Koa();
  app.proxy = true;
  logLateErrors(app, deps.log);
  app.use(errorHandler(deps.log));
  app.use(clientGone(deps.log));
  app.use(async (ctx, next) => {
    // A backend URL provisioned with a trailing slash reaches us as `//api/...` through Grafana's routes.
    if (ctx.path.startsWith('//')) {
      ctx.path = ctx.path.replace(/^\/+/, '/');
    }
    await next();
  });
  app.use(async (ctx, next) => {
    const started = Date.now();
    deps.readers?.noteRequest();
    await next();
    deps.log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Date.now() - started }, 'request');
  });

  const system = systemRoutes(deps);
  app.use(system.open.routes());
  if (extra.metrics) {
    app.use(extra.metrics);
  }

  const api = new Router();
  // The token and the route's role first: a caller without one gets its 401 (403) before its body is read (up
  // to MAX_BODY_BYTES) or judged (400, 413, 415 would answer it about a request it may not make).
  api.use(
    '/api',
    authenticate(deps.tokens),
    routeRoleFirst(),
    jsonBody(deps.maxBodyBytes),
    refuseUnstorableText(),
    conditionalGet()
  );
  for (const r of [
    system.api,
    summaryRoutes(deps),
    instanceRoutes(deps),
    removalRoutes(deps),
    backendRoutes(deps),
    serverRoutes(deps),
    commandRoutes(deps),
    windowRoutes(deps),
    actionRoutes(deps),
    adminChangeRoutes(deps),
    hostRoutes(deps),
    applicationRoutes(deps),
    queryRoutes(deps),
    agentTestRoutes(deps),
    scopePreviewRoutes(deps),
    removedRoutes(deps),
    mappingRoutes(deps),
    budgetRoutes(deps),
    operationRoutes(deps),
    tokenRoutes(deps),
  ]) {
    api.use(r.routes());
  }
  app.use(api.routes());
  // One answer of 405 / 501 / OPTIONS for all of /api, from every route the path matched: one per route
  // module cost each request 19 more middlewares, a sixth of a summary poll's CPU.
  app.use(api.allowedMethods());
  return app;
}
