import Router from '@koa/router';
import type { BreakerRegistry } from '../../fagent/breaker';
import type { FleetCountsValue } from '../../fleet/fleet-counts';
import { preparedJson } from '../conditional-get';
import type { ApiDeps } from '../deps';

function summaryBody({ instances, failing, ...counts }: FleetCountsValue, breakers: BreakerRegistry) {
  const { servers_total, ...servers } = counts.servers;
  let lastSync: Date | null = null;
  for (const i of instances) {
    if (i.last_sync_at && (!lastSync || i.last_sync_at > lastSync)) {
      lastSync = i.last_sync_at;
    }
  }
  return {
    instances: {
      total: instances.length,
      active: instances.filter((i) => i.is_active).length,
      failing: instances.filter((i) => i.is_active && i.last_sync_success === false).length,
      breaker_open: [...breakers.states().values()].filter((s) => s !== 'closed').length,
    },
    backends: counts.backends,
    servers: { total: servers_total, ...servers },
    last_sync_at: lastSync,
    failing_instances: failing.map((f) => ({ ...f, breaker_state: breakers.state(f.id) })),
  };
}

/** GET /api/haproxy/summary: the fleet at a glance (the seed's global statistics, docs/design.md). */
export function summaryRoutes(deps: ApiDeps) {
  const r = new Router();
  // Every panel polls the summary, mostly between two changes: one answer is built (and serialised) per counts
  // value and breaker version, which halves the CPU of a poll (the bench's readers).
  let last: { counts: FleetCountsValue; breakers: number; body: object } | undefined;
  r.get('/api/haproxy/summary', async (ctx) => {
    const counts = await deps.fleetCounts.get();
    const { breakers } = deps.client;
    if (last?.counts !== counts || last.breakers !== breakers.version) {
      last = { counts, breakers: breakers.version, body: preparedJson(summaryBody(counts, breakers)) };
    }
    ctx.body = last.body;
  });
  return r;
}
