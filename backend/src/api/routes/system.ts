import Router from '@koa/router';
import { reachable } from '../../db/db';
import type { ApiDeps } from '../deps';

/** Health probes (no auth, no data) and who-am-I for the plugin's "Test connection". */
export function systemRoutes(deps: ApiDeps) {
  const open = new Router();
  open.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  open.get('/readyz', async (ctx) => {
    if (await reachable(deps.db)) {
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
    ctx.body = { token_name: a.tokenName, role: a.role, grafana: a.grafanaToken, actor: a.actor };
  });
  return { open, api };
}
