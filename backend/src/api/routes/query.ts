import Router from '@koa/router';
import { z } from 'zod';
import { badRequest } from '../../domain/errors';
import { isGlob, MAX_GLOB_LENGTH } from '../../domain/glob';
import { DAY } from '../../history/partitions';
import { AGGREGATES, QUERY_TYPES } from '../../history/query';
import { LOOKUP_KINDS, lookupNames } from '../../store/servers';
import { requireRole } from '../auth';
import { clientSignal, readsOf } from '../client-gone';
import type { ApiDeps } from '../deps';
import { bodyId, isoTime, limit, nameOrGlob } from '../validation';

const MAX_RANGE_DAYS = 400;
/**
 * Latest epoch milliseconds a range may name: the isoTime bound (9999-12-31). Past 8.64e15 a Date is invalid
 * (NaN passes every comparison below) and PostgreSQL answered 500.
 */
const MAX_EPOCH_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** What one request may ask of the database: series are bounded by the history (maxSeries), these by the API. */
export const QUERY_LIMITS = { queries: 20, scopeValues: 50, points: 50_000 } as const;

const time = z.union([
  isoTime,
  z
    .number()
    .int('must be epoch milliseconds')
    .min(0)
    .max(MAX_EPOCH_MS, 'must be at most 253402300799999 (9999-12-31T23:59:59.999Z)')
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

/**
 * `a,b` -> ['a','b']. Only commas outside braces and not escaped separate: `{shop,api}` (a glob, as Grafana
 * formats a multi-value variable) and `{Shop\, EU,api}` stay one value; a plain split made `{shop` and `api}`.
 */
function splitCsv(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
    } else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter(Boolean);
}

/**
 * A filter's values plus, when commas split it, the whole text as one more name: a name that holds a comma
 * ("Shop, EU", one selected value as the data source sends it) is matched too. It can only widen the list
 * (by a name that equals the whole text), and is not counted against the limit.
 */
function withWhole(raw: unknown, values: string[] | undefined): string[] | undefined {
  const whole = typeof raw === 'string' ? raw.trim() : '';
  return values && values.length > 1 && whole.length <= MAX_GLOB_LENGTH && !isGlob(whole) ? [...values, whole] : values;
}

/** Comma-separated names or globs (splitCsv); empty -> no filter. */
const csv = z.string().max(10_000).transform(splitCsv).pipe(z.array(nameOrGlob)).optional();

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
    ctx.body = await deps.history.run(queryBody.parse(ctx.request.body ?? {}), clientSignal(ctx));
  });

  r.get('/api/haproxy/lookup/:kind', requireRole('viewer'), async (ctx) => {
    const kind = LOOKUP_KINDS.find((k) => k === ctx.params.kind);
    if (!kind) {
      throw badRequest(`kind: must be one of ${LOOKUP_KINDS.join(', ')}`);
    }
    const q = lookupQuery.parse(ctx.query);
    const names = await lookupNames(
      readsOf(ctx, deps.readDb),
      kind,
      {
        instance: withWhole(ctx.query.instance, q.instance),
        backend: withWhole(ctx.query.backend, q.backend),
        server: withWhole(ctx.query.server, q.server),
        application: withWhole(ctx.query.application, q.application),
      },
      q.q,
      q.limit
    );
    ctx.body = { values: names.map((n) => ({ text: n, value: n })) };
  });

  return r;
}
