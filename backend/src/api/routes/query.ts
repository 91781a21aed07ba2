import Router from '@koa/router';
import { z } from 'zod';
import { badRequest } from '../../domain/errors';
import { DAY } from '../../history/partitions';
import { AGGREGATES, QUERY_TYPES } from '../../history/query';
import { LOOKUP_KINDS, lookupNames } from '../../store/servers';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { bodyId, isoTime, limit, nameOrGlob } from '../validation';

const MAX_RANGE_DAYS = 400;

const time = z.union([
  isoTime,
  z
    .number()
    .int('must be epoch milliseconds')
    .min(0)
    .transform((n) => new Date(n)),
]);
const scopeItem = z.union([bodyId, nameOrGlob]);
const scopeValue = z.union([scopeItem, z.array(scopeItem).max(1000, 'at most 1000 values')]);

export const queryBody = z
  .object({
    range: z.object({ from: time, to: time }),
    maxDataPoints: z.number().int('must be an integer').min(1).max(100_000),
    intervalMs: z
      .number()
      .positive()
      .max(MAX_RANGE_DAYS * DAY)
      .optional(),
    queries: z
      .array(
        z.object({
          refId: z.string().min(1, 'must not be empty').max(100),
          type: z.enum(QUERY_TYPES, { message: `must be one of ${QUERY_TYPES.join(', ')}` }),
          scope: z
            .object({
              instance: scopeValue.optional(),
              backend: scopeValue.optional(),
              server: scopeValue.optional(),
              application: scopeValue.optional(),
            })
            .strict()
            .default({}),
          aggregate: z.enum(AGGREGATES, { message: `must be one of ${AGGREGATES.join(', ')}` }).optional(),
        })
      )
      .min(1, 'needs at least one query')
      .max(50),
  })
  .superRefine((b, ctx) => {
    const span = b.range.to.getTime() - b.range.from.getTime();
    if (span <= 0) {
      ctx.addIssue({ code: 'custom', path: ['range'], message: 'from must be before to' });
    }
    if (span > MAX_RANGE_DAYS * DAY) {
      ctx.addIssue({ code: 'custom', path: ['range'], message: `must span at most ${MAX_RANGE_DAYS} days` });
    }
    const seen = new Set<string>();
    b.queries.forEach((q, i) => {
      if (seen.has(q.refId)) {
        ctx.addIssue({ code: 'custom', path: ['queries', i, 'refId'], message: `duplicate refId "${q.refId}"` });
      }
      seen.add(q.refId);
      if (q.aggregate && q.type !== 'sessions') {
        ctx.addIssue({ code: 'custom', path: ['queries', i, 'aggregate'], message: 'applies to sessions only' });
      }
    });
  });

/** `a,b` -> ['a','b']; empty -> no filter. */
const csv = z
  .string()
  .max(10_000)
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
  )
  .pipe(z.array(nameOrGlob))
  .optional();

const lookupQuery = z.object({
  instance: csv,
  backend: csv,
  server: csv,
  application: csv,
  q: z.string().max(200).optional(),
  limit: limit(1000, 10_000),
});

/** Trend queries of the Grafana data source (Grafana data frames) and the values of its template variables. */
export function queryRoutes(deps: ApiDeps) {
  const r = new Router();

  r.post('/api/haproxy/query', requireRole('viewer'), async (ctx) => {
    ctx.body = await deps.history.run(queryBody.parse(ctx.request.body ?? {}));
  });

  r.get('/api/haproxy/lookup/:kind', requireRole('viewer'), async (ctx) => {
    const kind = LOOKUP_KINDS.find((k) => k === ctx.params.kind);
    if (!kind) {
      throw badRequest(`kind: must be one of ${LOOKUP_KINDS.join(', ')}`);
    }
    const q = lookupQuery.parse(ctx.query);
    const names = await lookupNames(
      deps.db,
      kind,
      { instance: q.instance, backend: q.backend, server: q.server, application: q.application },
      q.q,
      q.limit
    );
    ctx.body = { values: names.map((n) => ({ text: n, value: n })) };
  });

  return r;
}
