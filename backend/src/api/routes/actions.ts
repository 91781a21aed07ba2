import Router from '@koa/router';
import { z } from 'zod';
import { ACTION_RESULTS, ACTION_SOURCES, AUDITED_COMMANDS } from '../../domain/actions';
import { listActions } from '../../store/actions';
import type { ApiDeps } from '../deps';
import { boolParam, id, isoTime, limit, offset } from '../validation';

const query = z.object({
  server_id: id.optional(),
  instance_id: id.optional(),
  actor: z.string().max(200).optional(),
  command: z.enum(AUDITED_COMMANDS).optional(),
  source: z.enum(ACTION_SOURCES).optional(),
  success: boolParam.optional(),
  result: z.enum(ACTION_RESULTS).optional(),
  operation_id: z.string().uuid().optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  limit: limit(100, 1000),
  offset,
});

/** The audit log of commands, newest first. */
export function actionRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/haproxy/actions', async (ctx) => {
    const q = query.parse(ctx.query);
    ctx.body = await listActions(
      deps.readDb,
      {
        serverId: q.server_id,
        instanceId: q.instance_id,
        actor: q.actor,
        command: q.command,
        source: q.source,
        success: q.success,
        result: q.result,
        operationId: q.operation_id,
        since: q.since,
        until: q.until,
      },
      { limit: q.limit, offset: q.offset }
    );
  });
  return r;
}
