import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, notFound } from '../../domain/errors';
import { suspiciousAnswer } from '../../domain/held-removal';
import { RECONCILE_POLICIES } from '../../domain/server-state';
import type { Db } from '../../db/db';
import { advisoryXactLock } from '../../db/advisory-lock';
import { changedFields, fieldList, lockForChange, recordAdminChange } from '../../store/admin-changes';
import { searchBackends } from '../../store/backends';
import {
  createInstance,
  deleteInstance,
  getInstance,
  InstanceRow,
  listInstances,
  retargetInstances,
} from '../../store/instances';
import { updateInstanceSettings } from '../../registry/instance-scope';
import { AuthState, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { backendScope, bodyId, boolParam, id, idParams, name, plainText } from '../validation';

const createBody = z
  .object({
    host_id: bodyId,
    name: name(200),
    socket_path: plainText(1000, 0).nullable().optional(),
    is_active: z.boolean().optional(),
    backend_scope: backendScope.optional(),
    reconcile_policy: z
      .enum(RECONCILE_POLICIES, { message: `must be one of ${RECONCILE_POLICIES.join(', ')}` })
      .optional(),
  })
  .strict();
const updateBody = createBody.omit({ host_id: true }).partial().strict();

/** An instance's backends come in one answer; an agent lists at most this many (HAPROXY_FAGENT_MAX_BACKENDS_PER_INSTANCE). */
const MAX_BACKENDS = 1_000_000;

/** An instance's settings as the admin change log keeps them (its polling scope and activation included). */
const logged = (i: InstanceRow) => ({
  name: i.name,
  host_id: i.host_id,
  host_name: i.host_name,
  socket_path: i.socket_path,
  is_active: i.is_active,
  backend_scope: i.backend_scope,
  reconcile_policy: i.reconcile_policy,
});

const listQuery = z.object({ server_id: id.optional(), host_id: id.optional(), is_active: boolParam.optional() });

/** HAProxy instances: the seed's list (filter by server_id = host, docs/design.md), and their registration. */
export function instanceRoutes(deps: ApiDeps) {
  const r = new Router();
  const withBreaker = ({ held_removal, haproxy_version, haproxy_pid, haproxy_started_at, ...row }: InstanceRow) => ({
    ...row,
    haproxy:
      haproxy_pid === null ? null : { version: haproxy_version, pid: haproxy_pid, started_at: haproxy_started_at },
    breaker_state: deps.client.breakers.state(row.id),
    suspicious_answer: suspiciousAnswer(held_removal),
  });

  const stored = async (instanceId: number, db: Db) => {
    const row = await getInstance(db, instanceId);
    if (!row) {
      throw notFound(`instance ${instanceId}`);
    }
    return row;
  };
  const load = async (instanceId: number, db = deps.db) => withBreaker(await stored(instanceId, db));

  r.get('/api/haproxy/instances', async (ctx) => {
    const q = listQuery.parse(ctx.query);
    const rows = await listInstances(deps.readDb, { hostId: q.server_id ?? q.host_id, isActive: q.is_active });
    ctx.body = { instances: rows.map(withBreaker) };
  });

  r.get('/api/haproxy/instances/:id', async (ctx) => {
    ctx.body = await load(idParams.parse(ctx.params).id, deps.readDb);
  });

  r.post('/api/haproxy/instances', requireRole('admin'), async (ctx) => {
    const b = createBody.parse(ctx.request.body ?? {});
    const instanceId = await deps.db.transaction(async (tx) => {
      const created = await stored(await createInstance(tx, b), tx);
      await recordAdminChange(tx, {
        actor: (ctx.state.auth as AuthState).actor,
        entityKind: 'instance',
        entityId: created.id,
        entityName: created.name,
        action: 'created',
        summary: `instance ${created.name} created on host ${created.host_name}`,
        before: null,
        after: logged(created),
      });
      return created.id;
    });
    deps.fleetCounts.invalidate();
    ctx.status = 201;
    ctx.body = await load(instanceId);
  });

  r.patch('/api/haproxy/instances/:id', requireRole('admin'), async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    const b = updateBody.parse(ctx.request.body ?? {});
    if (Object.keys(b).length === 0) {
      throw badRequest('nothing to update');
    }
    await deps.db.transaction(async (tx) => {
      if (b.backend_scope !== undefined) {
        // The sync lock before the row, as a sync takes them (updateInstanceSettings takes it again).
        await advisoryXactLock(tx, instanceId);
      }
      if (!(await lockForChange(tx, 'haproxy_instances', instanceId))) {
        throw notFound(`instance ${instanceId}`);
      }
      const before = await stored(instanceId, tx);
      const retired = await updateInstanceSettings(tx, instanceId, b);
      const after = await stored(instanceId, tx);
      if (after.name !== before.name) {
        // Another instance at the agent: a sync in flight read the old one, whose answer must not land here.
        await retargetInstances(tx, { instanceId });
      }
      const changed = changedFields(logged(before), logged(after));
      if (changed) {
        if (retired && retired.length > 0) {
          changed.after.retired_backends = retired;
        }
        await recordAdminChange(tx, {
          actor: (ctx.state.auth as AuthState).actor,
          entityKind: 'instance',
          entityId: instanceId,
          entityName: after.name,
          action: 'updated',
          summary:
            `instance ${after.name} changed: ${fieldList(changed.before)}` +
            (retired && retired.length > 0 ? `; ${retired.length} backend(s) out of the new scope retired` : ''),
          ...changed,
        });
      }
    });
    // The summary counts instances (active or not) and what a scope retired.
    deps.fleetCounts.invalidate();
    // A renamed instance is another target at the agent: cached answers and breaker history no longer apply.
    // (Other fields leave the agent's answers as they were: a scope is applied to them, not asked of the agent.)
    if (b.name !== undefined) {
      deps.client.forget(instanceId);
    }
    ctx.body = await load(instanceId);
  });

  r.delete('/api/haproxy/instances/:id', requireRole('admin'), async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    await deps.db.transaction(async (tx) => {
      if (!(await lockForChange(tx, 'haproxy_instances', instanceId))) {
        throw notFound(`instance ${instanceId}`);
      }
      const before = await stored(instanceId, tx);
      await deleteInstance(tx, instanceId);
      await recordAdminChange(tx, {
        actor: (ctx.state.auth as AuthState).actor,
        entityKind: 'instance',
        entityId: instanceId,
        entityName: before.name,
        action: 'deleted',
        summary: `instance ${before.name} deleted from host ${before.host_name}`,
        before: logged(before),
        after: null,
      });
    });
    deps.client.forget(instanceId);
    deps.fleetCounts.invalidate();
    ctx.status = 204;
  });

  r.get('/api/haproxy/instances/:id/backends', async (ctx) => {
    const instanceId = idParams.parse(ctx.params).id;
    await load(instanceId, deps.readDb);
    const { backends } = await searchBackends(deps.readDb, { instanceId }, { limit: MAX_BACKENDS, offset: 0 });
    const budgets = await deps.budgets.backendBudgets(
      deps.readDb,
      backends.map((b) => b.id)
    );
    ctx.body = {
      backends: backends.map(({ instance_name: _i, host_name: _h, shown: _s, counts, ...b }) => ({
        ...b,
        server_count: counts.servers_total,
        status_counts: counts.by_status,
        ...counts,
        budget: budgets.get(b.id)!,
      })),
    };
  });

  return r;
}
