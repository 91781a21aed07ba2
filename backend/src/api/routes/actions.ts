import Router from '@koa/router';
import { z } from 'zod';
import { ACTION_COLUMNS, ACTION_SOURCES } from '../../commands/audit';
import { COMMANDS } from '../../domain/status';
import type { ApiDeps } from '../deps';
import { buildWhere } from '../where';
import { boolParam, id, isoTime, limit, offset } from '../validation';

const query = z.object({
  server_id: id.optional(),
  instance_id: id.optional(),
  actor: z.string().max(200).optional(),
  command: z.enum(COMMANDS).optional(),
  source: z.enum(ACTION_SOURCES).optional(),
  success: boolParam.optional(),
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
    const filters: Array<[string, unknown]> = [
      ['a.server_id = ?', q.server_id],
      ['a.instance_id = ?', q.instance_id],
      ['a.actor = ?', q.actor],
      ['a.command = ?', q.command],
      ['a.source = ?', q.source],
      ['a.success = ?', q.success],
      ['a.operation_id = ?', q.operation_id],
      ['a.started_at >= ?', q.since],
      ['a.started_at < ?', q.until],
    ];
    const { sql: filter, params } = buildWhere(filters);
    const [[{ total }], actions] = await Promise.all([
      deps.ds.query(`SELECT count(*)::int AS total FROM haproxy_actions a WHERE ${filter}`, params),
      deps.ds.query(
        `SELECT ${ACTION_COLUMNS} FROM haproxy_actions a WHERE ${filter} ORDER BY a.started_at DESC, a.id DESC LIMIT ${q.limit} OFFSET ${q.offset}`,
        params
      ),
    ]);
    ctx.body = { actions, total };
  });
  return r;
}
