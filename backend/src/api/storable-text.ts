import type { Context, Next } from 'koa';
import { badRequest } from '../domain/errors';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL cannot store a string as text or JSON, or undefined when it can. */
export function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) {
    return 'must not contain NUL characters (\\u0000)';
  }
  if (LONE_SURROGATE.test(text)) {
    return 'must be valid Unicode (a lone UTF-16 surrogate such as \\ud800 is not)';
  }
  return undefined;
}

/** The first string of a parsed query or JSON body PostgreSQL cannot store: where (e.g. `queries.0.refId`) and why. */
export function unstorableAt(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') {
    const problem = unstorable(value);
    return problem && `${path.join('.') || 'body'}: ${problem}`;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const found = unstorable(key)
        ? `${[...path, '(a key)'].join('.')}: ${unstorable(key)}`
        : unstorableAt(v, [...path, key]);
      if (found !== undefined) {
        return found;
      }
    }
  }
  return undefined;
}

/**
 * PostgreSQL cannot store or compare a NUL in text, nor a lone surrogate in JSON (and would turn one into
 * U+FFFD in text): any in the query string or the JSON body is a 400 here, before a route could hand it to a
 * statement (which would fail with a 500, or store something else than was sent).
 */
export function refuseUnstorableText() {
  return async (ctx: Context, next: Next) => {
    const problem = unstorableAt(ctx.query) ?? unstorableAt(ctx.request.body);
    if (problem !== undefined) {
      throw badRequest(problem);
    }
    await next();
  };
}
