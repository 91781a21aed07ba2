import Router from '@koa/router';
import { z } from 'zod';
import { notFound } from '../../domain/errors';
import { testAgent } from '../../registry/agent-test';
import { agentOfHost } from '../../store/hosts';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { agentUrl, bodyId, clearAgentToken, idParams, name } from '../validation';

const testBody = z
  .object({
    fagent_url: agentUrl,
    fagent_token: clearAgentToken.nullable().optional(),
    host_id: bodyId.optional(),
    instances: z.array(name(200)).min(1, 'must name at least one instance').max(20).optional(),
  })
  .strict();

/** "Test agent" (admin): an agent URL before it is saved, or a saved host as it is. */
export function agentTestRoutes(deps: ApiDeps) {
  const r = new Router();
  r.post('/api/hosts/test', requireRole('admin'), async (ctx) => {
    ctx.body = await testAgent(deps.db, deps.client, testBody.parse(ctx.request.body ?? {}));
  });
  r.post('/api/hosts/:id/test', requireRole('admin'), async (ctx) => {
    const hostId = idParams.parse(ctx.params).id;
    // The URL as stored, which syncs call, not as the API shows it (without what an older row's URL carries).
    const agent = await agentOfHost(deps.db, hostId);
    if (!agent) {
      throw notFound(`host ${hostId}`);
    }
    ctx.body = await testAgent(deps.db, deps.client, { fagent_url: agent.fagent_url, host_id: hostId });
  });
  return r;
}
