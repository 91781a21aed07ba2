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

interface Visit {
  value: unknown;
  key?: string;
  parent?: Visit;
}

/** `queries.0.refId`; the last segments only when the value is nested deeper than anyone reads. */
function pathOf(v: Visit): string {
  const keys: string[] = [];
  for (let n: Visit | undefined = v; n?.key !== undefined; n = n.parent) {
    keys.push(n.key);
  }
  const path = keys.reverse();
  return (path.length > 12 ? ['…', ...path.slice(-12)] : path).join('.') || 'body';
}

/**
 * The first string of a parsed query or JSON body PostgreSQL cannot store: where (e.g. `queries.0.refId`)
 * and why. Walked with a stack of its own: a 1 MB body nests 500,000 arrays deep, past the call stack.
 */
export function unstorableAt(root: unknown): string | undefined {
  const stack: Visit[] = [{ value: root }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    if (typeof visit.value === 'string') {
      const problem = unstorable(visit.value);
      if (problem) {
        return `${pathOf(visit)}: ${problem}`;
      }
    } else if (visit.value !== null && typeof visit.value === 'object') {
      const entries = Object.entries(visit.value);
      for (const [key] of entries) {
        const problem = unstorable(key);
        if (problem) {
          return `${pathOf({ value: key, key: '(a key)', parent: visit })}: ${problem}`;
        }
      }
      // Reversed, so the first entry is looked at first.
      for (let i = entries.length - 1; i >= 0; i--) {
        stack.push({ value: entries[i][1], key: entries[i][0], parent: visit });
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
