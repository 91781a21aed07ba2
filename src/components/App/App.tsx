import React, { Suspense, lazy, useMemo } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { ROUTES } from '../../constants';
import type { AppSettings } from '../../types';
import { PluginSettingsProvider } from '../PluginSettings/PluginSettings';
// The landing page (every unknown route goes to it) comes with the app: one chunk round trip less before its
// data is asked for. The others load when first opened.
import HaproxyPage from '../../pages/Haproxy/Haproxy';

const HostsPage = lazy(() => import('../../pages/Hosts/Hosts'));
const HostDetailsPage = lazy(() => import('../../pages/HostDetails/HostDetails'));
const ActionsPage = lazy(() => import('../../pages/Actions/Actions'));
const ApplicationsPage = lazy(() => import('../../pages/Applications/Applications'));
const RemovedPage = lazy(() => import('../../pages/Removed/Removed'));
const ApplicationPage = lazy(() => import('../../pages/Application/Application'));
const ServerPage = lazy(() => import('../../pages/Server/Server'));
const OperationsPage = lazy(() => import('../../pages/Operations/Operations'));
const TokensPage = lazy(() => import('../../pages/Tokens/Tokens'));
const AdminChangesPage = lazy(() => import('../../pages/AdminChanges/AdminChanges'));
const OperationPage = lazy(() =>
  import('../../pages/Operations/Operations').then((m) => ({ default: m.OperationPage }))
);

/** Routes only: each page loads its own data. */
function App({ meta }: AppRootProps<AppSettings>) {
  const settings = useMemo(() => ({ jsonData: meta.jsonData ?? {} }), [meta.jsonData]);
  return (
    <PluginSettingsProvider value={settings}>
      <Suspense fallback={<LoadingPlaceholder text="Loading..." />}>
        <Routes>
          <Route path={ROUTES.HAProxy} element={<HaproxyPage />} />
          <Route path={ROUTES.Hosts} element={<HostsPage />} />
          <Route path={`${ROUTES.Hosts}/:id`} element={<HostDetailsPage />} />
          <Route path={ROUTES.Applications} element={<ApplicationsPage />} />
          <Route path={`${ROUTES.Applications}/:id`} element={<ApplicationPage />} />
          <Route path={ROUTES.Removed} element={<RemovedPage />} />
          <Route path={ROUTES.Actions} element={<ActionsPage />} />
          <Route path={ROUTES.Operations} element={<OperationsPage />} />
          <Route path={ROUTES.Tokens} element={<TokensPage />} />
          <Route path={ROUTES.Changes} element={<AdminChangesPage />} />
          <Route path={`${ROUTES.Servers}/:id`} element={<ServerPage />} />
          <Route path={`${ROUTES.Operations}/:id`} element={<OperationPage />} />
          <Route path="*" element={<Navigate to={ROUTES.HAProxy} replace />} />
        </Routes>
      </Suspense>
    </PluginSettingsProvider>
  );
}

export default App;
