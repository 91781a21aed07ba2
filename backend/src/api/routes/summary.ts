import Router from '@koa/router';
import type { ApiDeps } from '../deps';
import { statusCounts } from './instances';

/**
 * Counting a large fleet's servers costs tens of milliseconds, and many Grafana panels poll the summary:
 * the counts are computed at most once per second (concurrent requests share one computation), and a
 * command drops them at once so its effect shows. Syncs change them at most once per polling interval.
 */
export class FleetCounts {
  private cached?: { at: number; value: Promise<{ backends: number; byStatus: Array<{ status: string; n: number }> }> };

  constructor(
    private readonly deps: Pick<ApiDeps, 'ds'>,
    private readonly ttlMs = 1000
  ) {}

  get() {
    if (!this.cached || Date.now() - this.cached.at > this.ttlMs) {
      const value = Promise.all([
        this.deps.ds.query(`SELECT count(*)::int AS n FROM haproxy_backends WHERE removed_at IS NULL`),
        this.deps.ds.query(
          `SELECT status, count(*)::int AS n FROM haproxy_servers WHERE removed_at IS NULL GROUP BY status`
        ),
      ]).then(([[backends], byStatus]) => ({ backends: backends.n as number, byStatus }));
      this.cached = { at: Date.now(), value };
      value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}

/** GET /api/haproxy/summary: the fleet at a glance (seed section 3). */
export function summaryRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/haproxy/summary', async (ctx) => {
    const [instances, { backends, byStatus }, failing] = await Promise.all([
      deps.ds.query(`SELECT id, is_active, last_sync_success, last_sync_at FROM haproxy_instances`),
      deps.fleetCounts.get(),
      deps.ds.query(
        `SELECT i.id, i.name, h.name AS host_name, i.last_sync_error, i.last_sync_at, i.consecutive_failures
           FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id
          WHERE i.is_active AND i.last_sync_success = false ORDER BY i.last_sync_at DESC NULLS LAST LIMIT 100`
      ),
    ]);
    const counts = statusCounts(Object.fromEntries(byStatus.map((s) => [s.status, s.n])));
    const breakers = deps.client.breakers.states();
    let lastSync: Date | null = null;
    for (const i of instances as Array<{ last_sync_at: Date | null }>) {
      if (i.last_sync_at && (!lastSync || i.last_sync_at > lastSync)) {
        lastSync = i.last_sync_at;
      }
    }
    ctx.body = {
      instances: {
        total: instances.length,
        active: instances.filter((i: { is_active: boolean }) => i.is_active).length,
        failing: instances.filter(
          (i: { is_active: boolean; last_sync_success: boolean | null }) => i.is_active && i.last_sync_success === false
        ).length,
        breaker_open: [...breakers.values()].filter((s) => s !== 'closed').length,
      },
      backends,
      servers: { total: Object.values(counts).reduce((a, b) => a + b, 0), by_status: counts },
      last_sync_at: lastSync,
      failing_instances: failing.map((f: { id: number }) => ({
        ...f,
        breaker_state: deps.client.breakers.state(f.id),
      })),
    };
  });
  return r;
}
