import Router from '@koa/router';
import { z } from 'zod';
import { notFound } from '../../domain/errors';
import { previewScope } from '../../registry/scope-preview';
import { getInstance } from '../../store/instances';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { backendScope, idParams } from '../validation';

/** `?scope=` is the scope as JSON (`null` or an array); without it, the instance's current scope. */
const previewQuery = z.object({
  scope: z
    .string()
    .max(250_000)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON: null or an array of backend names or patterns' });
        return z.NEVER;
      }
    })
    .pipe(backendScope)
    .optional(),
});
const previewBody = z.object({ scope: backendScope }).strict();

/** The live preview of an instance's polling scope (admin: it reads the agent). */
export function scopePreviewRoutes(deps: ApiDeps) {
  const r = new Router();
  const currentScope = async (instanceId: number) => {
    const instance = await getInstance(deps.db, instanceId);
    if (!instance) {
      throw notFound(`instance ${instanceId}`);
    }
    return instance.backend_scope;
  };
  r.get('/api/haproxy/instances/:id/scope-preview', requireRole('admin'), async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    const { scope } = previewQuery.parse(ctx.query);
    ctx.body = await previewScope(
      deps.db,
      deps.client,
      instanceId,
      scope === undefined ? await currentScope(instanceId) : scope
    );
  });
  r.post('/api/haproxy/instances/:id/scope-preview', requireRole('admin'), async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    const { scope } = previewBody.parse(ctx.request.body ?? {});
    ctx.body = await previewScope(deps.db, deps.client, instanceId, scope);
  });
  return r;
}
