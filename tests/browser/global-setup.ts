/**
 * Playwright globalSetup: the grafana-shim bundle, the stack (PostgreSQL, backend, demo HAProxy fleet) and the
 * Grafana-like host in front of it. The returned function is Playwright's teardown: everything is stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildShim } from './host/build-shim';
import { hostAssets, startHost } from './host/server';
import { DATASOURCE_UID, startBrowserStack, type StackInfo } from './stack';

const ROOT = path.resolve(__dirname, '../..');

export default async function globalSetup() {
  const log = (msg: string) => console.log(`[browser-host] ${msg}`);
  const distDir = path.join(ROOT, 'dist');
  if (
    !['module.js', 'plugin.json', 'datasource/module.js', 'datasource/plugin.json'].every((f) =>
      fs.existsSync(path.join(distDir, f))
    )
  ) {
    throw new Error(
      'dist/module.js or dist/datasource/module.js is missing: run `npm run build` before the browser tests'
    );
  }
  const shimFile = await buildShim(log);
  const stack = await startBrowserStack(log);
  let host: Awaited<ReturnType<typeof startHost>>;
  try {
    host = await startHost({
      distDir,
      shimFile,
      ...hostAssets(ROOT),
      settings: {
        enabled: true,
        pinned: true,
        jsonData: { backendUrl: stack.info.backendUrl },
        secureJsonData: { ...stack.info.pluginTokens },
      },
      // The nested data source and one instance of it, as provisioning would create (a viewer token: trends
      // only read).
      datasource: {
        distDir: path.join(distDir, 'datasource'),
        instance: {
          uid: DATASOURCE_UID,
          name: 'HAProxy Control',
          jsonData: { backendUrl: stack.info.backendUrl },
          secureJsonData: { apiToken: stack.info.grafanaTokens.viewer },
        },
      },
    });
  } catch (err) {
    await stack.stop();
    throw err;
  }
  const info: StackInfo = { ...stack.info, hostUrl: host.url };
  process.env.BROWSER_STACK = JSON.stringify(info);
  log(`host ${host.url}`);
  return async () => {
    await host.stop().catch(() => undefined);
    await stack.stop();
  };
}
