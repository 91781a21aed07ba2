import { isServerAction, ServerAction, SERVER_ACTIONS } from './command-guard';

/** The FAgent protocol's endpoints, as the agent understands a request path. */
export type Route =
  | { kind: 'backends'; instance: string }
  | { kind: 'servers'; instance: string; backend: string }
  | { kind: 'info'; instance: string }
  | { kind: 'state'; instance: string }
  | { kind: 'command'; instance: string; backend: string; server: string; action: ServerAction };

export type RouteMatch =
  { ok: true; route: Route; method: 'GET' | 'POST' } | { ok: false; httpStatus: 400 | 404; error: string };

/**
 * Splits the raw path on "/" before decoding, then decodes each segment exactly once, so an
 * encoded "%2F" stays inside its segment and "%252F" stays "%2F".
 */
export function matchRoute(rawUrl: string): RouteMatch {
  const path = rawUrl.split('?')[0];
  const segments: string[] = [];
  for (const raw of path.split('/').slice(1)) {
    try {
      segments.push(decodeURIComponent(raw));
    } catch {
      return { ok: false, httpStatus: 400, error: `path segment "${raw}" is not valid URL encoding` };
    }
  }
  const [api, haproxy, instance, resource, backend, servers, server, action, ...rest] = segments;
  const notFound: RouteMatch = { ok: false, httpStatus: 404, error: `no such endpoint: ${path}` };
  if (api !== 'api' || haproxy !== 'haproxy' || !instance || rest.length > 0) {
    return notFound;
  }

  if (segments.length === 4 && (resource === 'backends' || resource === 'info' || resource === 'state')) {
    return { ok: true, method: 'GET', route: { kind: resource, instance } };
  }
  if (resource !== 'backends') {
    return notFound;
  }
  if (segments.length === 6 && backend && servers === 'servers') {
    return { ok: true, method: 'GET', route: { kind: 'servers', instance, backend } };
  }
  if (segments.length === 8 && backend && servers === 'servers' && server) {
    if (!isServerAction(action)) {
      return { ok: false, httpStatus: 404, error: `no such action "${action}" (use ${SERVER_ACTIONS.join(', ')})` };
    }
    return { ok: true, method: 'POST', route: { kind: 'command', instance, backend, server, action } };
  }
  return notFound;
}
