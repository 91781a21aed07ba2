import Router from '@koa/router';
import { z } from 'zod';
import { CHANGE_ACTIONS, ENTITY_KINDS, listAdminChanges } from '../../store/admin-changes';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { cursor, encodeCursor, id, isoTime, limit, orderedRange } from '../validation';

const query = z
  .object({
    entity_kind: z.enum(ENTITY_KINDS).optional(),
    entity_id: id.optional(),
    actor: z.string().max(200).optional(),
    action: z.enum(CHANGE_ACTIONS).optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
    limit: limit(100, 1000),
    after: cursor(['id']).optional(),
  })
  .superRefine(orderedRange);

/**
 * The admin change log (who changed hosts, instances, applications, budgets, mappings, windows, API tokens,
 * removed rows), newest first, a keyset page at a time. Admins only: it lists API tokens' names, roles and
 * changes, which only admins may see (GET /api/tokens).
 */
export function adminChangeRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/admin/changes', requireRole('admin'), async (ctx) => {
    const q = query.parse(ctx.query);
    const { changes, total, next } = await listAdminChanges(
      deps.readDb,
      {
        entityKind: q.entity_kind,
        entityId: q.entity_id,
        actor: q.actor,
        action: q.action,
        since: q.since,
        until: q.until,
      },
      { limit: q.limit, afterId: q.after?.[0] as number | undefined }
    );
    ctx.body = { changes, total, next: next === null ? null : encodeCursor([next]) };
  });
  return r;
}
