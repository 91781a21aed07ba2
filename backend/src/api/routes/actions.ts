import { Readable } from 'node:stream';
import Router from '@koa/router';
import { z } from 'zod';
import { ACTION_RESULTS, ACTION_SOURCES, AUDITED_COMMANDS } from '../../domain/actions';
import { ActionFilter, ActionRow, actionsInOrder, listActions } from '../../store/actions';
import { csvRecord, UTF8_BOM } from '../csv';
import { readsOf } from '../client-gone';
import type { ApiDeps } from '../deps';
import { boolParam, id, isoTime, limit, offset, orderedRange } from '../validation';

const filters = z.object({
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
});

const page = filters.extend({ limit: limit(100, 1000), offset }).superRefine(orderedRange);
const everything = filters.superRefine(orderedRange);

function toFilter(q: z.infer<typeof filters>): ActionFilter {
  return {
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
  };
}

/** The export's columns: every field of an audit row, named as the JSON names them. */
const CSV_COLUMNS = [
  'id',
  'started_at',
  'completed_at',
  'duration_ms',
  'actor',
  'source',
  'command',
  'instance_id',
  'instance_name',
  'backend_name',
  'server_id',
  'server_name',
  'status_before',
  'status_after',
  'result',
  'success',
  'error',
  'note',
  'reason',
  'until',
  'forced',
  'operation_id',
] as const satisfies ReadonlyArray<keyof ActionRow>;

const csvRows = (rows: ActionRow[]) => rows.map((row) => csvRecord(CSV_COLUMNS.map((c) => row[c]))).join('');

/** The header, the batch already read, then the rest as it is read. */
async function* csvLines(
  first: IteratorResult<ActionRow[], void>,
  rest: AsyncGenerator<ActionRow[], void>
): AsyncGenerator<string> {
  yield UTF8_BOM + csvRecord(CSV_COLUMNS);
  if (first.done) {
    return;
  }
  yield csvRows(first.value);
  for await (const rows of rest) {
    yield csvRows(rows);
  }
}

/** The audit log of commands: newest first a page at a time, or all of it (filtered) as CSV. */
export function actionRoutes(deps: ApiDeps) {
  const r = new Router();
  r.get('/api/haproxy/actions', async (ctx) => {
    const q = page.parse(ctx.query);
    ctx.body = await listActions(deps.readDb, toFilter(q), { limit: q.limit, offset: q.offset });
  });
  r.get('/api/haproxy/actions.csv', async (ctx) => {
    const batches = actionsInOrder(readsOf(ctx, deps.readDb), toFilter(everything.parse(ctx.query)));
    // The first read before the answer starts: a failure then is an error answer, not a cut-off file.
    const first = await batches.next();
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set(
      'Content-Disposition',
      `attachment; filename="haproxy-actions-${new Date().toISOString().slice(0, 10)}.csv"`
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.body = Readable.from(csvLines(first, batches));
  });
  return r;
}
