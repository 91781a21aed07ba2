import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { PluginType, type AppPluginMeta } from '@grafana/data';
import type { AppSettings } from '../../types';
import { db, PROXY } from '../../test/handlers';
import { server } from '../../test/server';
import AppConfig from './AppConfig';

jest.mock('../../utils/reloadPage', () => ({ reloadPage: jest.fn() }));

function meta(jsonData: AppSettings = {}, tokenSet = false): AppPluginMeta<AppSettings> {
  return {
    id: 'appcontrol-haproxy-app',
    name: 'HAProxy Control',
    type: PluginType.app,
    enabled: true,
    pinned: true,
    jsonData,
    secureJsonFields: tokenSet ? { apiToken: true } : {},
    module: '',
    baseUrl: '',
    info: {} as AppPluginMeta['info'],
  } as AppPluginMeta<AppSettings>;
}

function renderConfig(m = meta({ backendUrl: 'http://backend:8080' }, true)) {
  const user = userEvent.setup({ delay: null });
  render(<AppConfig plugin={{ meta: m } as any} query={{}} />);
  return user;
}

async function testConnection(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole('button', { name: 'Test connection' }));
  return screen.findByRole('status', { name: 'Connection test result' });
}

describe('Configuration page', () => {
  it('never shows the saved token, only that it is configured', () => {
    renderConfig();
    expect(screen.getByDisplayValue('http://backend:8080')).toBeInTheDocument();
    expect(screen.getByDisplayValue('configured')).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Reset' })).toBeInTheDocument();
  });

  it('saves the backend URL in jsonData and a new token in secureJsonData', async () => {
    const user = renderConfig(meta());
    const save = screen.getByRole('button', { name: 'Save settings' });
    expect(save).toBeDisabled();
    await user.type(screen.getByLabelText(/Backend URL/), 'http://haproxy-control:8080/');
    await user.type(screen.getByLabelText(/API token/), 's3cret');
    await user.click(save);
    await waitFor(() =>
      expect(db.requests.some((r) => r.path === '/api/plugins/appcontrol-haproxy-app/settings')).toBe(true)
    );
    const body = db.requests.find((r) => r.path === '/api/plugins/appcontrol-haproxy-app/settings')!.body as any;
    expect(body.jsonData).toEqual({ backendUrl: 'http://haproxy-control:8080' });
    expect(body.secureJsonData).toEqual({ apiToken: 's3cret' });
    expect(JSON.stringify(body.jsonData)).not.toContain('s3cret');
  });

  it('keeps the saved token when only the URL changes', async () => {
    const user = renderConfig();
    const url = screen.getByLabelText(/Backend URL/);
    await user.clear(url);
    await user.type(url, 'http://other:8080');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(db.requests.some((r) => r.method === 'POST')).toBe(true));
    const body = db.requests.find((r) => r.method === 'POST')!.body as any;
    expect(body.secureJsonData).toBeUndefined();
  });

  it('reports success with the token role', async () => {
    const user = renderConfig();
    const result = await testConnection(user);
    expect(result).toHaveTextContent('Connected as token "grafana" with role operator');
    expect(db.requests.at(-1)?.path).toBe('/api/plugin-proxy/appcontrol-haproxy-app/api/me');
  });

  it('warns when the token is only a viewer', async () => {
    server.use(http.get(`${PROXY}/api/me`, () => HttpResponse.json({ token_name: 'ro', role: 'viewer' })));
    const user = renderConfig();
    expect(await testConnection(user)).toHaveTextContent('has role viewer');
    expect(screen.getByText(/Use an operator \(or admin\) token/)).toBeInTheDocument();
  });

  it('reports an unreachable backend', async () => {
    server.use(http.get(`${PROXY}/api/me`, () => HttpResponse.json({ message: 'Bad Gateway' }, { status: 502 })));
    const user = renderConfig();
    expect(await testConnection(user)).toHaveTextContent('Backend unreachable');
  });

  it('reports a network failure as unreachable too', async () => {
    server.use(http.get(`${PROXY}/api/me`, () => HttpResponse.error()));
    const user = renderConfig();
    expect(await testConnection(user)).toHaveTextContent('Backend unreachable');
  });

  it('reports a bad token (401)', async () => {
    server.use(
      http.get(`${PROXY}/api/me`, () =>
        HttpResponse.json({ error: { code: 'unauthorized', message: 'invalid token' } }, { status: 401 })
      )
    );
    const user = renderConfig();
    expect(await testConnection(user)).toHaveTextContent('Invalid API token (401)');
  });

  it('reports a wrong role (403)', async () => {
    server.use(
      http.get(`${PROXY}/api/me`, () =>
        HttpResponse.json({ error: { code: 'forbidden', message: 'role viewer cannot do this' } }, { status: 403 })
      )
    );
    const user = renderConfig();
    const result = await testConnection(user);
    expect(result).toHaveTextContent('Access denied (403)');
    expect(result).toHaveTextContent('role viewer cannot do this');
  });
});
