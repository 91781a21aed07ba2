import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { advisoryXactLockIn, BUDGET_APPLICATION_LOCKS, BUDGET_BACKEND_LOCKS } from '../../db/advisory-lock';
import type { Db } from '../../db/db';
import { BudgetScope, BudgetView, parseMinAvailable } from '../../domain/budget';
import { badRequest, conflict, notFound } from '../../domain/errors';
import { changedFields, pathName, recordAdminChange } from '../../store/admin-changes';
import { scopeName } from '../../store/budgets';
import { AuthState, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { idParams } from '../validation';

const budgetBody = z.object({ min_available: z.union([z.number(), z.string()]) }).strict();

const PATHS: Record<BudgetScope, string> = {
  backend: '/api/haproxy/backends/:id/budget',
  application: '/api/applications/:id/budget',
};

const LOCKS: Record<BudgetScope, number> = { backend: BUDGET_BACKEND_LOCKS, application: BUDGET_APPLICATION_LOCKS };

/** A budget as the admin change log keeps it: the minimum and where it comes from. */
const logged = (b: BudgetView) => ({ min_available: b.min_available, source: b.source });

/**
 * Disruption budgets of backends and applications: everyone reads them, admins set and clear them. A change is
 * logged (admin_changes) in its transaction, under the scope's budget lock: `before` is what it replaced.
 */
export function budgetRoutes(deps: ApiDeps) {
  const r = new Router();
  /** The scope a route names; `current`: a removed backend is a 409 (it counts no server: a budget there means nothing). */
  const target = async (ctx: Context, scope: BudgetScope, { db = deps.db, current = true } = {}) => {
    const { id } = idParams.parse(ctx.params);
    const found = await scopeName(db, scope, id);
    if (found === undefined) {
      throw notFound(`${scope} ${id}`);
    }
    if (current && found.removed) {
      throw conflict(
        `backend ${(await pathName(db, 'backend', id)) ?? found.name} is no longer in HAProxy's configuration: ` +
          'it has no servers to count (restore it to use its budget)'
      );
    }
    return { id, name: found.name };
  };
  for (const scope of ['backend', 'application'] as const) {
    r.get(PATHS[scope], async (ctx) => {
      const { id } = await target(ctx, scope, { db: deps.readDb });
      ctx.body = await deps.budgets.budget(deps.readDb, scope, id);
    });
    const change = async (
      ctx: Context,
      { id, name }: { id: number; name: string },
      action: 'budget_set' | 'budget_cleared',
      work: (tx: Db) => Promise<BudgetView>
    ) =>
      deps.db.transaction(async (tx) => {
        await advisoryXactLockIn(tx, LOCKS[scope], id);
        const before = await deps.budgets.budget(tx, scope, id);
        const after = await work(tx);
        const changed = changedFields(logged(before), logged(after));
        if (changed) {
          const entityName = scope === 'backend' ? ((await pathName(tx, 'backend', id)) ?? name) : name;
          await recordAdminChange(tx, {
            actor: (ctx.state.auth as AuthState).actor,
            entityKind: scope,
            entityId: id,
            entityName,
            action,
            summary:
              `${scope} ${entityName}: budget ${action === 'budget_set' ? 'set' : 'cleared'}, min_available ` +
              `${before.min_available ?? 'none'} (${before.source}) -> ${after.min_available ?? 'none'} (${after.source})`,
            before: logged(before),
            after: logged(after),
          });
        }
        return after;
      });
    r.put(PATHS[scope], requireRole('admin'), async (ctx) => {
      const t = await target(ctx, scope);
      const min = parseMinAvailable(budgetBody.parse(ctx.request.body ?? {}).min_available);
      if (typeof min === 'string') {
        throw badRequest(min);
      }
      ctx.body = await change(ctx, t, 'budget_set', (tx) =>
        deps.budgets.set(scope, t.id, min, (ctx.state.auth as AuthState).actor, t.name, tx)
      );
    });
    r.delete(PATHS[scope], requireRole('admin'), async (ctx) => {
      // Clearing stays open: an admin may drop what a removed backend had set.
      const t = await target(ctx, scope, { current: false });
      ctx.body = await change(ctx, t, 'budget_cleared', (tx) => deps.budgets.clear(scope, t.id, tx));
    });
  }
  return r;
}
