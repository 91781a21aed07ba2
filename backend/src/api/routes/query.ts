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

/** What one request may ask of the database: series are bounded by the history (maxSeries), these by the API. */
export const QUERY_LIMITS = { queries: 20, scopeValues: 50, points: 50_000 } as const;

const time = z.union([
  isoTime,
  z
    .number()
    .int('must be epoch milliseconds')
    .min(0)
    .transform((n) => new Date(n)),
]);
const scopeItem = z.union([bodyId, nameOrGlob]);
const scopeValue = z.union([
  scopeItem,
  z.array(scopeItem).max(QUERY_LIMITS.scopeValues, `at most ${QUERY_LIMITS.scopeValues} values`),
]);
const scopeValueCount = (scope: Record<string, unknown>) =>
  Object.values(scope).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : v === undefined ? 0 : 1), 0);

export const queryBody = z
  .object({
    range: z.object({ from: time, to: time }),
    maxDataPoints: z.number().int('must be an integer').min(1).max(QUERY_LIMITS.points),
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
      .max(QUERY_LIMITS.queries, `at most ${QUERY_LIMITS.queries} queries per request`),
  })
  .superRefine((b, ctx) => {
    const span = b.range.to.getTime() - b.range.from.getTime();
    if (span <= 0) {
      ctx.addIssue({ code: 'custom', path: ['range'], message: 'from must be before to' });
    }
    if (span > MAX_RANGE_DAYS * DAY) {
      ctx.addIssue({ code: 'custom', path: ['range'], message: `must span at most ${MAX_RANGE_DAYS} days` });
    }
    const points = b.maxDataPoints * b.queries.length;
    if (points > QUERY_LIMITS.points) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxDataPoints'],
        message: `maxDataPoints × queries must be at most ${QUERY_LIMITS.points} points per request, not ${points}`,
      });
    }
    const values = b.queries.reduce((n, q) => n + scopeValueCount(q.scope), 0);
    if (values > QUERY_LIMITS.scopeValues) {
      ctx.addIssue({
        code: 'custom',
        path: ['queries'],
        message: `at most ${QUERY_LIMITS.scopeValues} scope values (names, patterns, ids) per request, not ${values}`,
      });
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

const lookupQuery = z
  .object({
    instance: csv,
    backend: csv,
    server: csv,
    application: csv,
    q: z.string().max(200).optional(),
    limit: limit(1000, 10_000),
  })
  .superRefine((l, ctx) => {
    const values = scopeValueCount({ ...l, q: undefined, limit: undefined });
    if (values > QUERY_LIMITS.scopeValues) {
      ctx.addIssue({
        code: 'custom',
        message: `at most ${QUERY_LIMITS.scopeValues} names or patterns per request, not ${values}`,
      });
    }
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
      deps.readDb,
      kind,
      { instance: q.instance, backend: q.backend, server: q.server, application: q.application },
      q.q,
      q.limit
    );
    ctx.body = { values: names.map((n) => ({ text: n, value: n })) };
  });

  return r;
}
