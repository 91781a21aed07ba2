import Router from '@koa/router';
import { z } from 'zod';
import { BackendRow, searchBackends } from '../../store/backends';
import { readsOf } from '../client-gone';
import type { ApiDeps } from '../deps';
import { boolParam, cursor, encodeCursor, id, limit, offset, statusList } from '../validation';

const query = z.object({
  instance_id: id.optional(),
  q: z.string().max(200).optional(),
  status: statusList.optional(),
  drift: boolParam.optional(),
  in_window: boolParam.optional(),
  server_q: z.string().max(200).optional(),
  limit: limit(1000, 50_000),
  offset,
  after: cursor(['string', 'string', 'id']).optional(),
});

/** Backends as the fleet-wide lists show them: counted by the state model, each with its disruption budget. */
export async function fleetBackends(deps: ApiDeps, backends: BackendRow[]) {
  const budgets = await deps.budgets.backendBudgets(
    deps.readDb,
    backends.map((b) => b.id)
  );
  return backends.map(({ backend_name, counts, created_at: _c, updated_at: _u, ...b }) => ({
    ...b,
    name: backend_name,
    ...counts,
    budget: budgets.get(b.id)!,
  }));
}

/**
 * Every current backend of the fleet with its servers counted by the state model, zero-server ones included;
 * with server filters, the backends that have servers they select (the HAProxy page's accordion), a keyset page
 * at a time.
 */
export function backendRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/haproxy/backends', async (ctx) => {
    const q = query.parse(ctx.query);
    const { backends, total, next } = await searchBackends(
      readsOf(ctx, deps.readDb),
      {
        instanceId: q.instance_id,
        text: q.q,
        servers: { statuses: q.status, drift: q.drift, inWindow: q.in_window, text: q.server_q },
      },
      { limit: q.limit, offset: q.offset, after: q.after }
    );
    ctx.body = { backends: await fleetBackends(deps, backends), total, next: next && encodeCursor(next) };
  });
  return r;
}
