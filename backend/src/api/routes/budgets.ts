import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { BudgetScope, parseMinAvailable } from '../../domain/budget';
import { badRequest, notFound } from '../../domain/errors';
import { scopeName } from '../../store/budgets';
import { AuthState, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { idParams } from '../validation';

const budgetBody = z.object({ min_available: z.union([z.number(), z.string()]) }).strict();

const PATHS: Record<BudgetScope, string> = {
  backend: '/api/haproxy/backends/:id/budget',
  application: '/api/applications/:id/budget',
};

/** Disruption budgets of backends and applications: everyone reads them, admins set and clear them. */
export function budgetRoutes(deps: ApiDeps) {
  const r = new Router();
  const target = async (ctx: Context, scope: BudgetScope, db = deps.db) => {
    const { id } = idParams.parse(ctx.params);
    const name = await scopeName(db, scope, id);
    if (name === undefined) {
      throw notFound(`${scope} ${id}`);
    }
    return { id, name };
  };
  for (const scope of ['backend', 'application'] as const) {
    r.get(PATHS[scope], async (ctx) => {
      const { id } = await target(ctx, scope, deps.readDb);
      ctx.body = await deps.budgets.budget(deps.readDb, scope, id);
    });
    r.put(PATHS[scope], requireRole('admin'), async (ctx) => {
      const { id, name } = await target(ctx, scope);
      const min = parseMinAvailable(budgetBody.parse(ctx.request.body ?? {}).min_available);
      if (typeof min === 'string') {
        throw badRequest(min);
      }
      ctx.body = await deps.budgets.set(scope, id, min, (ctx.state.auth as AuthState).actor, name);
    });
    r.delete(PATHS[scope], requireRole('admin'), async (ctx) => {
      const { id } = await target(ctx, scope);
      ctx.body = await deps.budgets.clear(scope, id);
    });
  }
  return r;
}
