import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, notFound } from '../../domain/errors';
import { changedFields, fieldList, lockForChange, recordAdminChange } from '../../store/admin-changes';
import { createHost, deleteHost, getHost, HostRow, listHosts, updateHost } from '../../store/hosts';
import { instanceIdsOfHost, retargetInstances } from '../../store/instances';
import { AuthState, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { agentUrl, clearAgentToken, idParams, name } from '../validation';

const createBody = z
  .object({
    name: name(200),
    address: name(255),
    fagent_url: agentUrl,
    fagent_token: clearAgentToken.nullable().optional(),
    is_active: z.boolean().optional(),
  })
  .strict();
const updateBody = createBody.partial().strict();

/** A host as the admin change log keeps it: the shown URL, and of the agent token only whether there is one. */
const logged = (h: HostRow) => ({
  name: h.name,
  address: h.address,
  fagent_url: h.fagent_url,
  is_active: h.is_active,
  fagent_token: h.has_fagent_token ? 'set' : 'none',
});

/** Hosts (AC's "servers"): machines with an FAgent. The agent token is write-only. */
export function hostRoutes(deps: ApiDeps) {
  const r = new Router();
  const sealed = (token: string | null | undefined) => (token ? deps.secrets.seal(token) : token);
  const load = async (hostId: number, db = deps.db) => {
    const host = await getHost(db, hostId);
    if (!host) {
      throw notFound(`host ${hostId}`);
    }
    return host;
  };

  r.get('/api/hosts', async (ctx) => {
    ctx.body = { hosts: await listHosts(deps.readDb) };
  });
  r.get('/api/hosts/:id', async (ctx) => {
    ctx.body = await load(idParams.parse(ctx.params).id, deps.readDb);
  });
  r.post('/api/hosts', requireRole('admin'), async (ctx) => {
    const b = createBody.parse(ctx.request.body ?? {});
    ctx.body = await deps.db.transaction(async (tx) => {
      const host = await load(await createHost(tx, { ...b, fagent_token: sealed(b.fagent_token) }), tx);
      await recordAdminChange(tx, {
        actor: (ctx.state.auth as AuthState).actor,
        entityKind: 'host',
        entityId: host.id,
        entityName: host.name,
        action: 'created',
        summary: `host ${host.name} created`,
        before: null,
        after: logged(host),
      });
      return host;
    });
    ctx.status = 201;
  });
  r.patch('/api/hosts/:id', requireRole('admin'), async (ctx) => {
    const hostId = idParams.parse(ctx.params).id;
    const b = updateBody.parse(ctx.request.body ?? {});
    if (Object.keys(b).length === 0) {
      throw badRequest('nothing to update');
    }
    ctx.body = await deps.db.transaction(async (tx) => {
      if (!(await lockForChange(tx, 'hosts', hostId))) {
        throw notFound(`host ${hostId}`);
      }
      const before = await load(hostId, tx);
      if (!(await updateHost(tx, hostId, { ...b, fagent_token: sealed(b.fagent_token) }))) {
        throw badRequest(
          'fagent_url: a new agent URL needs fagent_token in the same request (the new agent’s token, or null for none): the stored token is never sent to another URL'
        );
      }
      if (b.fagent_url !== undefined) {
        // A sync in flight read the old agent: its answer must not land after this change.
        await retargetInstances(tx, { hostId });
      }
      const after = await load(hostId, tx);
      const fields = logged(after);
      if (typeof b.fagent_token === 'string' && before.has_fagent_token) {
        fields.fagent_token = 'replaced'; // another secret, though both are only "set"
      } else if (b.fagent_token === null && before.has_fagent_token) {
        fields.fagent_token = 'cleared';
      }
      const changed = changedFields(logged(before), fields);
      if (changed) {
        await recordAdminChange(tx, {
          actor: (ctx.state.auth as AuthState).actor,
          entityKind: 'host',
          entityId: hostId,
          entityName: after.name,
          action: 'updated',
          summary: `host ${after.name} changed: ${fieldList(changed.after)}`,
          ...changed,
        });
      }
      return after;
    });
    // The summary counts the instances of active hosts as active.
    deps.fleetCounts.invalidate();
    if (b.fagent_url !== undefined || b.fagent_token !== undefined) {
      // Another agent (or credential): the old one's cached answers and open breaker no longer apply.
      for (const instanceId of await instanceIdsOfHost(deps.db, hostId)) {
        deps.client.forget(instanceId);
      }
    }
  });
  r.delete('/api/hosts/:id', requireRole('admin'), async (ctx) => {
    const hostId = idParams.parse(ctx.params).id;
    const instanceIds = await deps.db.transaction(async (tx) => {
      if (!(await lockForChange(tx, 'hosts', hostId))) {
        throw notFound(`host ${hostId}`);
      }
      const before = await load(hostId, tx);
      const deleted = await deleteHost(tx, hostId);
      await recordAdminChange(tx, {
        actor: (ctx.state.auth as AuthState).actor,
        entityKind: 'host',
        entityId: hostId,
        entityName: before.name,
        action: 'deleted',
        summary: `host ${before.name} deleted with its ${before.instance_count} instance(s)`,
        before: logged(before),
        after: null,
      });
      return deleted ?? [];
    });
    for (const instanceId of instanceIds) {
      deps.client.forget(instanceId);
    }
    // Its instances, backends and servers left the summary.
    deps.fleetCounts.invalidate();
    ctx.status = 204;
  });
  return r;
}
