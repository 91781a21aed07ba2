import Router from '@koa/router';
import { DATABASE_UNAVAILABLE } from '../../domain/errors';
import { errorBody } from '../../http/errors';
import type { ApiDeps } from '../deps';

/** Health probes (no auth, no data) and who-am-I for the plugin's "Test connection". */
export function systemRoutes(deps: ApiDeps) {
  const open = new Router();
  // Liveness that tells the truth: 503 while our own (embedded) database is dead and being restarted; with
  // an external one the process is fine and keeps retrying, so 200 `degraded` (and /readyz 503).
  open.get('/healthz', async (ctx) => {
    const h = await deps.health.check();
    if (h.status === 'unavailable') {
      ctx.status = 503;
      ctx.body = errorBody(
        DATABASE_UNAVAILABLE,
        `the embedded database is ${h.database} since ${h.since.toISOString()}: ${h.message}`
      );
      return;
    }
    ctx.body = {
      status: h.status,
      database: h.database,
      ...(h.status === 'ok' ? {} : { since: h.since.toISOString(), message: h.message }),
    };
  });
  open.get('/readyz', async (ctx) => {
    if ((await deps.health.check()).database === 'up') {
      ctx.body = { status: 'ready' };
    } else {
      ctx.status = 503;
      ctx.body = { error: { code: 'not_ready', message: 'database unreachable' } };
    }
  });
  open.get('/openapi.json', (ctx) => {
    ctx.body = deps.openapi;
  });

  const api = new Router();
  api.get('/api/me', (ctx) => {
    const a = ctx.state.auth;
    ctx.body = {
      token_name: a.tokenName,
      role: a.role,
      grafana: a.grafanaToken,
      actor: a.actor,
      expires_at: a.tokenExpiresAt?.toISOString() ?? null,
    };
  });
  return { open, api };
}
