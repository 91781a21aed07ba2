import Router from '@koa/router';
import type { ApiDeps } from '../deps';

/** GET /api/haproxy/summary: the fleet at a glance (the seed's global statistics, docs/design.md). */
export function summaryRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/haproxy/summary', async (ctx) => {
    const { instances, failing, ...counts } = await deps.fleetCounts.get();
    const { servers_total, ...servers } = counts.servers;
    const breakers = deps.client.breakers.states();
    let lastSync: Date | null = null;
    for (const i of instances) {
      if (i.last_sync_at && (!lastSync || i.last_sync_at > lastSync)) {
        lastSync = i.last_sync_at;
      }
    }
    ctx.body = {
      instances: {
        total: instances.length,
        active: instances.filter((i) => i.is_active).length,
        failing: instances.filter((i) => i.is_active && i.last_sync_success === false).length,
        breaker_open: [...breakers.values()].filter((s) => s !== 'closed').length,
      },
      backends: counts.backends,
      servers: { total: servers_total, ...servers },
      last_sync_at: lastSync,
      failing_instances: failing.map((f) => ({ ...f, breaker_state: deps.client.breakers.state(f.id) })),
    };
  });
  return r;
}
