import Router from '@koa/router';
import { z } from 'zod';
import { AppError, badRequest, notFound } from '../../domain/errors';
import { OPERATION_CONFLICT } from '../../operations/operations';
import { changedFields, fieldList, lockForChange, recordAdminChange } from '../../store/admin-changes';
import {
  ApplicationRow,
  createApplication,
  deleteApplication,
  getApplication,
  listApplications,
  updateApplication,
} from '../../store/applications';
import { searchBackends } from '../../store/backends';
import { holdingOperation } from '../../store/operations';
import { currentServerIds, searchServers } from '../../store/servers';
import { AuthState, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { bodyId, idParams, limit, name, offset } from '../validation';
import { fleetBackends } from './backends';

const createBody = z.object({ name: name(200), host_id: bodyId.nullable().optional() }).strict();
const updateBody = createBody.partial().strict();
const page = z.object({ limit: limit(1000, 50_000), offset });

/** An application as the admin change log keeps it. */
const logged = (a: ApplicationRow) => ({ name: a.name, host_id: a.host_id, host_name: a.host_name });

/** An application's backends hold at most this many (one per backend of the fleet it runs on). */
const MAX_APPLICATION_BACKENDS = 10_000;

/** Applications that HAProxy servers map to (manually or by auto-mapping). */
export function applicationRoutes(deps: ApiDeps) {
  const r = new Router();
  const load = async (appId: number, db = deps.db) => {
    const app = await getApplication(db, appId);
    if (!app) {
      throw notFound(`application ${appId}`);
    }
    return app;
  };

  r.get('/api/applications', async (ctx) => {
    ctx.body = { applications: await listApplications(deps.readDb) };
  });
  // The application page: the application, its budget, and every backend it has servers on (with theirs).
  r.get('/api/applications/:id', async (ctx) => {
    const app = await load(idParams.parse(ctx.params).id, deps.readDb);
    const [budget, { backends }] = await Promise.all([
      deps.budgets.budget(deps.readDb, 'application', app.id),
      searchBackends(deps.readDb, { applicationId: app.id }, { limit: MAX_APPLICATION_BACKENDS, offset: 0 }),
    ]);
    ctx.body = { ...app, budget, backends: await fleetBackends(deps, backends) };
  });
  r.get('/api/applications/:id/servers', async (ctx) => {
    const app = await load(idParams.parse(ctx.params).id, deps.readDb);
    const q = page.parse(ctx.query);
    const { servers, total } = await searchServers(
      deps.readDb,
      { applicationId: app.id },
      { limit: q.limit, offset: q.offset }
    );
    // Offset-paged, as documented: an application's servers are few enough that keyset pages buy nothing.
    ctx.body = { servers, total };
  });
  r.post('/api/applications', requireRole('admin'), async (ctx) => {
    const b = createBody.parse(ctx.request.body ?? {});
    ctx.body = await deps.db.transaction(async (tx) => {
      const app = await load(await createApplication(tx, b.name, b.host_id ?? null), tx);
      await recordAdminChange(tx, {
        actor: (ctx.state.auth as AuthState).actor,
        entityKind: 'application',
        entityId: app.id,
        entityName: app.name,
        action: 'created',
        summary: `application ${app.name} created`,
        before: null,
        after: logged(app),
      });
      return app;
    });
    ctx.status = 201;
  });
  r.patch('/api/applications/:id', requireRole('admin'), async (ctx) => {
    const appId = idParams.parse(ctx.params).id;
    const b = updateBody.parse(ctx.request.body ?? {});
    if (Object.keys(b).length === 0) {
      throw badRequest('nothing to update');
    }
    ctx.body = await deps.db.transaction(async (tx) => {
      if (!(await lockForChange(tx, 'applications', appId))) {
        throw notFound(`application ${appId}`);
      }
      const before = await load(appId, tx);
      await updateApplication(tx, appId, { name: b.name, hostId: b.host_id });
      const after = await load(appId, tx);
      const changed = changedFields(logged(before), logged(after));
      if (changed) {
        await recordAdminChange(tx, {
          actor: (ctx.state.auth as AuthState).actor,
          entityKind: 'application',
          entityId: appId,
          entityName: after.name,
          action: 'updated',
          summary: `application ${after.name} changed: ${fieldList(changed.after)}`,
          ...changed,
        });
      }
      return after;
    });
  });
  r.delete('/api/applications/:id', requireRole('admin'), async (ctx) => {
    const appId = idParams.parse(ctx.params).id;
    await deps.db.transaction(async (tx) => {
      if (!(await lockForChange(tx, 'applications', appId))) {
        throw notFound(`application ${appId}`);
      }
      const before = await load(appId, tx);
      // Deleting it drops its budget and unmaps its servers: a job taking them out would go on unguarded.
      const held = await holdingOperation(tx, await currentServerIds(tx, { applicationId: appId }));
      if (held) {
        throw new AppError(
          409,
          OPERATION_CONFLICT,
          `application ${before.name} has servers in operation ${held.operation_id} (${held.state}): ` +
            'wait for it to end or cancel it first',
          { operation_id: held.operation_id, server_ids: held.server_ids }
        );
      }
      // Its budget and the mappings people made go with it: each is logged as if cleared by hand.
      const budget = await deps.budgets.budget(tx, 'application', appId);
      const manual = await deleteApplication(tx, appId);
      const actor = (ctx.state.auth as AuthState).actor;
      if (budget.min_available !== null) {
        await recordAdminChange(tx, {
          actor,
          entityKind: 'application',
          entityId: appId,
          entityName: before.name,
          action: 'budget_cleared',
          summary: `application ${before.name}: budget dropped with the application, min_available ${budget.min_available} (${budget.source}) -> none`,
          before: { min_available: budget.min_available, source: budget.source },
          after: { min_available: null, source: 'default' },
        });
      }
      for (const s of manual) {
        await recordAdminChange(tx, {
          actor,
          entityKind: 'server',
          entityId: s.id,
          entityName: s.name,
          action: 'mapping_set',
          summary: `server ${s.name} unmapped: its application ${before.name} was deleted`,
          before: { application_id: appId, application_name: before.name, mapping_kind: 'manual' },
          after: { application_id: null, application_name: null, mapping_kind: null },
        });
      }
      await recordAdminChange(tx, {
        actor,
        entityKind: 'application',
        entityId: appId,
        entityName: before.name,
        action: 'deleted',
        summary: `application ${before.name} deleted; its ${before.server_count} server(s) unmapped`,
        before: logged(before),
        after: null,
      });
    });
    ctx.status = 204;
  });
  return r;
}
