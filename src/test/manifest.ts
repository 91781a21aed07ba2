import fs from 'fs';
import path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Route {
  path: string;
  method?: string;
  reqRole?: string;
  url: string;
  headers?: Array<{ name: string; content: string }>;
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
    /** Grafana's plugin proxy takes the first route whose method matches and whose path prefixes the request path. */
    matchRoute: (method: string, requestPath: string): Route | undefined =>
      routes.find((r) => (!r.method || r.method === '*' || r.method === method) && requestPath.startsWith(r.path)),
  };
}
