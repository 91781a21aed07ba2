import fs from 'fs';
import path from 'path';
import { matchAppRoute, matchDataSourceRoute, type ProxyRoute } from './grafanaProxy';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Route extends ProxyRoute {
  url: string;
}

/**
 * A plugin manifest as Grafana reads it: dist/<relative> when the plugin was built (what ships), otherwise
 * src/<relative> (what the build copies); with the route Grafana's proxy would pick for a request.
 */
export function loadManifest(relative: string) {
  const distPath = path.join(ROOT, 'dist', relative);
  const manifestPath = fs.existsSync(distPath) ? distPath : path.join(ROOT, 'src', relative);
  const text = fs.readFileSync(manifestPath, 'utf8');
  const manifest = JSON.parse(text);
  const routes: Route[] = manifest.routes;
  return {
    manifest,
    text,
    routes,
    shownPath: path.relative(ROOT, manifestPath),
    /** The route Grafana's proxy for this manifest (an app's or a data source's) picks, and where it sends it. */
    matchRoute: (method: string, requestPath: string) => {
      const match = (manifest.type === 'app' ? matchAppRoute : matchDataSourceRoute)(routes, method, requestPath);
      return match && { ...match.route, target: `${match.route.url}${match.rest ? `/${match.rest}` : ''}` };
    },
  };
}
