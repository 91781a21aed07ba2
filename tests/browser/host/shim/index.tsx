/**
 * The "grafana-shim": what Grafana's frontend does for an app plugin, built from the real npm packages.
 * The page sets window.grafanaBootData (user, theme) and window.__HOST__ (which page, the plugin's settings)
 * before this script runs. It registers Grafana's shared packages as AMD modules, sets the runtime services
 * (backend service, app events, PluginPage), loads dist/module.js as the AMD module it is, and mounts the
 * app's root page under /a/<id>/ or its config page under /plugins/<id>.
 */
import * as ReactRouterDom from 'react-router-dom';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as emotionCss from '@emotion/css';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import type { AppPlugin, KeyValue, PluginMeta } from '@grafana/data';
import { installAmd, load, registerModule } from './amd';
import { createBackendSrv } from './backendSrv';
import { DataSourceConfigPage, ExplorePage, type HostDataSourceBoot, importDataSourcePlugin } from './datasource';
import { createTemplateSrv } from './templateSrv';
import { GrafanaRouter, HostPluginPage, type HostUser, Shell, Toasts, interceptLinkClicks } from './shell';

/* eslint-disable @typescript-eslint/no-require-imports */
const React: typeof import('react') = require('react');
const ReactDOM: typeof import('react-dom') = require('react-dom');
const ReactDOMClient: typeof import('react-dom/client') = require('react-dom/client');
const jsxRuntime = require('react/jsx-runtime');
// Not exported by @grafana/runtime's entry (Grafana core sets it from inside): the same module, by file.
const { setPluginPage } = require('host-internal/PluginPage') as { setPluginPage: (c: unknown) => void };
/* eslint-enable @typescript-eslint/no-require-imports */

interface HostBoot {
  page: 'app' | 'config' | 'datasource-config' | 'explore';
  meta: PluginMeta;
  user: HostUser;
  datasource?: HostDataSourceBoot;
}

const host = (window as unknown as { __HOST__: HostBoot }).__HOST__;

// Grafana's SystemJS import map, for the packages this plugin (and most) use.
installAmd();
registerModule('react', React);
registerModule('react/jsx-runtime', jsxRuntime);
registerModule('react-dom', ReactDOM);
registerModule('react-dom/client', ReactDOMClient);
registerModule('react-router', ReactRouterDom);
registerModule('react-router-dom', ReactRouterDom);
registerModule('@grafana/data', grafanaData);
registerModule('@grafana/ui', grafanaUi);
registerModule('@grafana/runtime', grafanaRuntime);
registerModule('@emotion/css', emotionCss);
registerModule('rxjs', rxjs);
registerModule('rxjs/operators', rxjsOperators);

const { EventBusSrv, ThemeContext } = grafanaData;
const { config, locationService, setAppEvents, setBackendSrv, setTemplateSrv } = grafanaRuntime;
const { GlobalStyles, PortalContainer } = grafanaUi;

const events = new EventBusSrv();
setAppEvents(events);
setBackendSrv(createBackendSrv(events, 1));
setPluginPage(HostPluginPage);
// The dashboard's variables, from the URL as Grafana writes them (var-<name>=value, repeated for multi-value).
setTemplateSrv(createTemplateSrv(window.location.search));
document.addEventListener('click', interceptLinkClicks);

function NotFound({ message }: { message: string }) {
  return <HostPluginPage>{React.createElement(grafanaUi.Alert, { severity: 'error', title: message })}</HostPluginPage>;
}

/** Grafana's AppRootPage: the plugin's root component with the props Grafana passes. */
function AppRoot({ plugin }: { plugin: AppPlugin }) {
  const location = ReactRouterDom.useLocation();
  const basename = `/a/${plugin.meta.id}`;
  const Root = plugin.root;
  if (!Root) {
    return <NotFound message="App not found" />;
  }
  if (!plugin.meta.enabled) {
    return <NotFound message="App not enabled" />;
  }
  const query: KeyValue = Object.fromEntries(new URLSearchParams(location.search));
  return (
    <Root
      meta={plugin.meta}
      basename={basename}
      path={location.pathname}
      query={query}
      onNavChanged={() => undefined}
    />
  );
}

/** Grafana's plugin details page, Configuration tab: the plugin's config page component. */
function ConfigPage({ plugin }: { plugin: AppPlugin }) {
  const location = ReactRouterDom.useLocation();
  const { Tab, TabsBar, TabContent, Stack, Text } = grafanaUi;
  const pages = plugin.configPages ?? [];
  const current = new URLSearchParams(location.search).get('page') ?? pages[0]?.id;
  const page = pages.find((p) => p.id === current) ?? pages[0];
  const query: KeyValue = Object.fromEntries(new URLSearchParams(location.search));
  const { meta } = plugin;
  return (
    <HostPluginPage
      pageNav={{ text: meta.name }}
      subTitle={
        <Stack direction="column" gap={0.5}>
          <span>{meta.info.description}</span>
          <Text color="secondary" variant="bodySmall">
            Version {meta.info.version} | From {meta.info.author.name} | {meta.enabled ? 'Enabled' : 'Disabled'}
          </Text>
        </Stack>
      }
    >
      <TabsBar>
        {pages.map((p) => (
          <Tab
            key={p.id}
            label={p.title}
            icon={p.icon}
            active={p.id === page?.id}
            href={`/plugins/${meta.id}?page=${p.id}`}
          />
        ))}
      </TabsBar>
      <TabContent>
        <div style={{ paddingTop: 16 }}>{page ? <page.body plugin={plugin} query={query} /> : null}</div>
      </TabContent>
    </HostPluginPage>
  );
}

/** Grafana's chrome around every page: theme, global styles, router, top bar and menu, toasts, portal. */
function Chrome({ meta, children }: { meta: PluginMeta; children: React.ReactNode }) {
  return (
    <ThemeContext.Provider value={config.theme2}>
      <GlobalStyles />
      <GrafanaRouter>
        <Shell meta={meta} user={host.user}>
          {children}
        </Shell>
        <Toasts events={events} />
      </GrafanaRouter>
      <PortalContainer />
    </ThemeContext.Provider>
  );
}

function Main({ plugin }: { plugin: AppPlugin }) {
  const { Routes, Route, Navigate } = ReactRouterDom;
  const isAdmin = host.user.orgRole === 'Admin';
  return (
    <Chrome meta={plugin.meta}>
      <Routes>
        <Route path={`/a/${plugin.meta.id}/*`} element={<AppRoot plugin={plugin} />} />
        <Route
          path={`/plugins/${plugin.meta.id}`}
          element={isAdmin ? <ConfigPage plugin={plugin} /> : <NotFound message="Access denied: Admin role needed" />}
        />
        <Route path="*" element={<Navigate to={`/a/${plugin.meta.id}`} replace />} />
      </Routes>
    </Chrome>
  );
}

/** The data source's pages: its settings (Admin, as Grafana's datasources:write) and Explore. */
async function bootDataSource(boot: HostDataSourceBoot) {
  const { instanceSettings } = boot;
  const dsPlugin = await importDataSourcePlugin(instanceSettings.meta);
  const isAdmin = host.user.orgRole === 'Admin';
  const content =
    host.page === 'explore' ? (
      <ExplorePage plugin={dsPlugin} settings={instanceSettings} />
    ) : isAdmin ? (
      <DataSourceConfigPage plugin={dsPlugin} uid={instanceSettings.uid} />
    ) : (
      <NotFound message="Access denied: Admin role needed" />
    );
  ReactDOMClient.createRoot(document.getElementById('reactRoot')!).render(<Chrome meta={host.meta}>{content}</Chrome>);
}

async function boot() {
  const { meta } = host;
  if (host.page === 'datasource-config' || host.page === 'explore') {
    if (!host.datasource) {
      throw new Error('the host has no data source instance');
    }
    return bootDataSource(host.datasource);
  }
  // Grafana's importAppPlugin: load module.js, take its `plugin`, give it its meta and init it.
  const exports = (await load(`/${meta.module}`)) as { plugin?: AppPlugin };
  const plugin = exports.plugin;
  if (!plugin) {
    throw new Error(`${meta.module} exports no "plugin"`);
  }
  plugin.meta = meta as AppPlugin['meta'];
  plugin.init(meta as AppPlugin['meta']);
  ReactDOMClient.createRoot(document.getElementById('reactRoot')!).render(<Main plugin={plugin} />);
  void locationService;
}

boot().catch((err: unknown) => {
  console.error(err);
  const div = document.getElementById('reactRoot')!;
  div.textContent = `Host failed to load the plugin: ${err instanceof Error ? err.message : String(err)}`;
  div.setAttribute('data-host-error', 'true');
});
