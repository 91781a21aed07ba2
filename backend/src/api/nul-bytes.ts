import type { Context, Next } from 'koa';
import { badRequest } from '../domain/errors';

/** Where in a parsed query or JSON body a string holds a NUL, e.g. `q` or `queries.0.refId`; undefined when none. */
export function nulAt(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') {
    return value.includes('\u0000') ? path.join('.') || 'body' : undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const found = key.includes('\u0000') ? [...path, '(a key)'].join('.') : nulAt(v, [...path, key]);
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}

/**
 * PostgreSQL cannot store or compare a NUL character in text: any in the query string or the JSON body is a
 * 400 here, before a route could hand it to a statement (which would fail with a 500).
 */
export function refuseNulBytes() {
  return async (ctx: Context, next: Next) => {
    const where = nulAt(ctx.query) ?? nulAt(ctx.request.body);
    if (where !== undefined) {
      throw badRequest(`${where}: must not contain NUL characters (\\u0000)`);
    }
    await next();
  };
}
