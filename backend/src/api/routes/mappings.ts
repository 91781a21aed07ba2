import Router from '@koa/router';
import { z } from 'zod';
import { unresolvedMappings } from '../../registry/mapping-review';
import type { ApiDeps } from '../deps';
import { id, limit, offset } from '../validation';

const unresolvedQuery = z.object({
  kind: z.enum(['any', 'ambiguous', 'unmatched'], { message: 'must be any, ambiguous or unmatched' }).default('any'),
  instance_id: id.optional(),
  limit: limit(100, 1000),
  offset,
});

/** The auto-mapping's review: servers it could not map, with why and the applications to pick from. */
export function mappingRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/haproxy/mappings/unresolved', async (ctx) => {
    const q = unresolvedQuery.parse(ctx.query);
    ctx.body = await unresolvedMappings(
      deps.readDb,
      { kind: q.kind, instanceId: q.instance_id },
      { limit: q.limit, offset: q.offset }
    );
  });
  return r;
}
