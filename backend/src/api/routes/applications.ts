import Router from '@koa/router';
import { z } from 'zod';
import { badRequest, notFound } from '../../domain/errors';
import {
  createApplication,
  deleteApplication,
  getApplication,
  listApplications,
  updateApplication,
} from '../../store/applications';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { bodyId, idParams, name } from '../validation';

const createBody = z.object({ name: name(200), host_id: bodyId.nullable().optional() }).strict();
const updateBody = createBody.partial().strict();

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
  r.get('/api/applications/:id', async (ctx) => {
    ctx.body = await load(idParams.parse(ctx.params).id, deps.readDb);
  });
  r.post('/api/applications', requireRole('admin'), async (ctx) => {
    const b = createBody.parse(ctx.request.body ?? {});
    const appId = await createApplication(deps.db, b.name, b.host_id ?? null);
    ctx.status = 201;
    ctx.body = await load(appId);
  });
  r.patch('/api/applications/:id', requireRole('admin'), async (ctx) => {
    const appId = idParams.parse(ctx.params).id;
    const b = updateBody.parse(ctx.request.body ?? {});
    if (Object.keys(b).length === 0) {
      throw badRequest('nothing to update');
    }
    if (!(await updateApplication(deps.db, appId, { name: b.name, hostId: b.host_id }))) {
      throw notFound(`application ${appId}`);
    }
    ctx.body = await load(appId);
  });
  r.delete('/api/applications/:id', requireRole('admin'), async (ctx) => {
    const appId = idParams.parse(ctx.params).id;
    if (!(await deleteApplication(deps.db, appId))) {
      throw notFound(`application ${appId}`);
    }
    ctx.status = 204;
  });
  return r;
}
