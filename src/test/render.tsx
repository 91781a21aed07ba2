import React from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { render, type RenderResult } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { config } from '@grafana/runtime';
import { PluginSettingsProvider } from '../components/PluginSettings/PluginSettings';
import type { AppSettings } from '../types';

export type Role = 'Viewer' | 'Editor' | 'Admin';

/** Sets the Grafana user the plugin sees (config.bootData.user), as Grafana does on boot. */
export function setUserRole(role: Role) {
  const bootData = (config.bootData ?? ((config as any).bootData = {})) as typeof config.bootData;
  bootData.user = { ...(bootData.user ?? {}), login: role.toLowerCase(), orgRole: role, isGrafanaAdmin: false } as any;
}

/** The current location, rendered so tests can assert on the URL the page keeps its state in. */
function LocationProbe() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname + location.search}</div>;
}

export interface RenderOptions {
  /** Initial URL inside the app, e.g. "/haproxy?status=DOWN". */
  route?: string;
  /** Route pattern of the page, e.g. "/hosts/:id"; defaults to the path of `route`. */
  path?: string;
  jsonData?: AppSettings;
}

/** One render helper with the providers the app's pages expect: router, plugin settings, user-event. */
export function renderPage(
  ui: React.ReactElement,
  { route = '/', path, jsonData = { backendUrl: 'http://backend:8080' } }: RenderOptions = {}
): RenderResult & { user: ReturnType<typeof userEvent.setup> } {
  const user = userEvent.setup({ delay: null });
  const pattern = path ?? route.split('?')[0];
  const result = render(
    <PluginSettingsProvider value={{ jsonData }}>
      <MemoryRouter initialEntries={[route]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes>
          <Route
            path={pattern}
            element={
              <>
                {ui}
                <LocationProbe />
              </>
            }
          />
          {/* Where the page navigates to (after a delete, a create) */}
          <Route path="*" element={<LocationProbe />} />
        </Routes>
      </MemoryRouter>
    </PluginSettingsProvider>
  );
  return { ...result, user };
}
