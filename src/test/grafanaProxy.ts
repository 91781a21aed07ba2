/**
 * How Grafana picks a plugin.json route for a proxied request, for the tests that check the manifests and for
 * the browser tests' Grafana-like host (tests/browser/host). The two proxies differ:
 *
 * - the app's plugin proxy (pkg/api/pluginproxy/pluginproxy.go) matches each route's `path` as a router
 *   pattern (pkg/web/tree.go): static segments match exactly, `:name` and a `*` in the middle match one
 *   segment, a trailing `*` matches the rest. The request goes to the route's `url` plus what the trailing `*`
 *   matched, and nothing else: a path without a trailing `*` is exact, and nothing in the middle of a path
 *   (an id) can reach the url. The first route whose method and path match wins.
 * - the data source proxy (ds_proxy.go) takes the first route whose method matches and whose `path` prefixes
 *   the request; the request goes to its `url` plus what follows the prefix.
 */

export interface ProxyRoute {
  path: string;
  method?: string;
  reqRole?: string;
  url?: string;
  headers?: Array<{ name: string; content: string }>;
}

/** A route chosen for a request, and the part of the request's path appended to the route's url. */
export interface RouteMatch<R extends ProxyRoute = ProxyRoute> {
  route: R;
  rest: string;
}

const segmentsOf = (path: string) => path.replace(/^\/+|\/+$/g, '').split('/');

const methodMatches = (route: ProxyRoute, method: string) =>
  !route.method || route.method === '*' || route.method.toUpperCase() === method.toUpperCase();

/** Grafana's web.Tree match of one route pattern: undefined when it does not match, else what `*` took. */
export function matchPattern(pattern: string, path: string): string | undefined {
  const want = segmentsOf(pattern);
  const got = segmentsOf(path);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w === '*' && i === want.length - 1) {
      return got.length > i ? got.slice(i).join('/') : undefined;
    }
    if (i >= got.length || (w !== got[i] && w !== '*' && !w.startsWith(':'))) {
      return undefined;
    }
  }
  return got.length === want.length ? '' : undefined;
}

/** The app plugin proxy's choice (first route whose method and pattern match). */
export function matchAppRoute<R extends ProxyRoute>(
  routes: R[],
  method: string,
  path: string
): RouteMatch<R> | undefined {
  for (const route of routes) {
    const rest = methodMatches(route, method) ? matchPattern(route.path, path) : undefined;
    if (rest !== undefined) {
      return { route, rest };
    }
  }
  return undefined;
}

/** The data source proxy's choice (first route whose method matches and whose path prefixes the request). */
export function matchDataSourceRoute<R extends ProxyRoute>(
  routes: R[],
  method: string,
  path: string
): RouteMatch<R> | undefined {
  const clean = segmentsOf(path).join('/');
  for (const route of routes) {
    const prefix = segmentsOf(route.path).join('/');
    if (methodMatches(route, method) && clean.startsWith(prefix)) {
      return { route, rest: clean.slice(prefix.length) };
    }
  }
  return undefined;
}
