import Router from '@koa/router';
import type { ApiDeps } from '../deps';
import { statusCounts } from './instances';

/** GET /api/haproxy/summary: the fleet at a glance (seed section 3). */
export function summaryRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/haproxy/summary', async (ctx) => {
    const [instances, [backends], byStatus, failing] = await Promise.all([
      deps.ds.query(`SELECT id, is_active, last_sync_success, last_sync_at FROM haproxy_instances`),
      deps.ds.query(`SELECT count(*)::int AS n FROM haproxy_backends WHERE removed_at IS NULL`),
      deps.ds.query(`SELECT status, count(*)::int AS n FROM haproxy_servers WHERE removed_at IS NULL GROUP BY status`),
      deps.ds.query(
        `SELECT i.id, i.name, h.name AS host_name, i.last_sync_error, i.last_sync_at, i.consecutive_failures
           FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id
          WHERE i.is_active AND i.last_sync_success = false ORDER BY i.last_sync_at DESC NULLS LAST LIMIT 100`,
      ),
    ]);
    const counts = statusCounts(Object.fromEntries(byStatus.map((s: { status: string; n: number }) => [s.status, s.n])));
    const breakers = deps.client.breakers.states();
    let lastSync: Date | null = null;
    for (const i of instances as Array<{ last_sync_at: Date | null }>) {
      if (i.last_sync_at && (!lastSync || i.last_sync_at > lastSync)) lastSync = i.last_sync_at;
    }
    ctx.body = {
      instances: {
        total: instances.length,
        active: instances.filter((i: { is_active: boolean }) => i.is_active).length,
        failing: instances.filter((i: { is_active: boolean; last_sync_success: boolean | null }) => i.is_active && i.last_sync_success === false).length,
        breaker_open: [...breakers.values()].filter((s) => s !== 'closed').length,
      },
      backends: backends.n,
      servers: { total: Object.values(counts).reduce((a, b) => a + b, 0), by_status: counts },
      last_sync_at: lastSync,
      failing_instances: failing.map((f: { id: number }) => ({ ...f, breaker_state: deps.client.breakers.state(f.id) })),
    };
  });
  return r;
}
