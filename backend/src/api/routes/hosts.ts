import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, notFound } from '../../domain/errors';
import { SecretBox } from '../../secrets/secret-box';
import { createHost, deleteHost, getHost, listHosts, updateHost } from '../../store/hosts';
import { instanceIdsOfHost } from '../../store/instances';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { agentToken, agentUrl, idParams, name } from '../validation';

/**
 * A token as the agent takes it. One that starts like a sealed value would be read back as one: stored as it is
 * (no SECRETS_KEY), it fails every sync and stops the next start (secrets/agent-tokens.ts).
 */
const clearAgentToken = agentToken.refine(
  (t) => !SecretBox.isSealed(t),
  'must be the agent’s token in clear, not an encrypted value (aes256gcm:v1:...): it is encrypted when stored'
);

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
    const hostId = await createHost(deps.db, { ...b, fagent_token: sealed(b.fagent_token) });
    ctx.status = 201;
    ctx.body = await load(hostId);
  });
  r.patch('/api/hosts/:id', requireRole('admin'), async (ctx) => {
    const hostId = idParams.parse(ctx.params).id;
    const b = updateBody.parse(ctx.request.body ?? {});
    if (Object.keys(b).length === 0) {
      throw badRequest('nothing to update');
    }
    if (!(await updateHost(deps.db, hostId, { ...b, fagent_token: sealed(b.fagent_token) }))) {
      if (b.fagent_url !== undefined && b.fagent_token === undefined && (await getHost(deps.db, hostId))) {
        throw badRequest(
          'fagent_url: a new agent URL needs fagent_token in the same request (the new agent’s token, or null for none): the stored token is never sent to another URL'
        );
      }
      throw notFound(`host ${hostId}`);
    }
    if (b.fagent_url !== undefined || b.fagent_token !== undefined) {
      // Another agent (or credential): the old one's cached answers and open breaker no longer apply.
      for (const instanceId of await instanceIdsOfHost(deps.db, hostId)) {
        deps.client.forget(instanceId);
      }
    }
    ctx.body = await load(hostId);
  });
  r.delete('/api/hosts/:id', requireRole('admin'), async (ctx) => {
    const hostId = idParams.parse(ctx.params).id;
    const instanceIds = await deleteHost(deps.db, hostId);
    if (!instanceIds) {
      throw notFound(`host ${hostId}`);
    }
    for (const instanceId of instanceIds) {
      deps.client.forget(instanceId);
    }
    // Its instances, backends and servers left the summary.
    deps.fleetCounts.invalidate();
    ctx.status = 204;
  });
  return r;
}
