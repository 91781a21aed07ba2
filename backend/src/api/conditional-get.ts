import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';

/** Whether an If-None-Match header names this entity tag (a list, weak tags, or `*`). */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) {
    return false;
  }
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

interface Serialised {
  json: string;
  etag: string;
}

function serialise(body: object): Serialised {
  const json = JSON.stringify(body);
  return { json, etag: `"${createHash('sha1').update(json).digest('base64url')}"` };
}

const prepared = new WeakMap<object, Serialised>();

/**
 * For an answer a route serves many times unchanged (the summary, polled by every panel): serialised and tagged
 * once here, not per request. The caller must not change `body` afterwards.
 */
export function preparedJson<T extends object>(body: T): T {
  prepared.set(body, serialise(body));
  return body;
}

/**
 * Conditional GETs for JSON answers: each gets an ETag (a hash of its bytes), and a request that already holds
 * that answer (If-None-Match) gets 304 without a body. A page that refreshes every few seconds then moves a few
 * hundred bytes per resource while nothing changed. The answer is still computed: its hash is the version, so
 * no table needs a change counter and a replica answers the same tag for the same data. `Cache-Control:
 * no-cache` because the data is live: a cache must ask each time (Grafana's proxy replaces it with no-store,
 * so the plugin sends If-None-Match itself).
 */
export function conditionalGet() {
  return async (ctx: Context, next: Next) => {
    await next();
    const body: unknown = ctx.body;
    if (ctx.method !== 'GET' || ctx.status !== 200 || body === null || typeof body !== 'object') {
      return;
    }
    if (Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function') {
      return;
    }
    const { json, etag } = prepared.get(body) ?? serialise(body);
    ctx.set('ETag', etag);
    ctx.set('Cache-Control', 'private, no-cache');
    if (matchesEtag(ctx.get('If-None-Match'), etag)) {
      ctx.status = 304;
      ctx.body = null;
      return;
    }
    ctx.type = 'application/json';
    ctx.body = json;
  };
}
