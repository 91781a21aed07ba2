import React from 'react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { PluginType, type AppPluginMeta } from '@grafana/data';
import type { AppSettings } from '../../types';
import { backendUrl, db, PROXY } from '../../test/handlers';
import { setUserRole } from '../../test/render';
import { server } from '../../test/server';
import AppConfig from './AppConfig';

jest.mock('../../utils/reloadPage', () => ({ reloadPage: jest.fn() }));

const PROXY_PATH = new URL(PROXY).pathname;

function meta(jsonData: AppSettings = {}, tokens: string[] = []): AppPluginMeta<AppSettings> {
  return {
    id: 'appcontrol-haproxy-app',
    name: 'HAProxy Control',
    type: PluginType.app,
    enabled: true,
    pinned: true,
    jsonData,
    secureJsonFields: Object.fromEntries(tokens.map((t) => [t, true])),
    module: '',
    baseUrl: '',
    info: {} as AppPluginMeta['info'],
  } as AppPluginMeta<AppSettings>;
}

const ALL = ['viewerToken', 'operatorToken', 'adminToken'];

function renderConfig(m = meta({ backendUrl: 'http://backend:8080' }, ALL)) {
  const user = userEvent.setup({ delay: null });
  render(<AppConfig plugin={{ meta: m } as any} query={{}} />);
  return user;
}

async function testConnection(user: ReturnType<typeof userEvent.setup>) {
  await user.click(screen.getByRole('button', { name: 'Test connection' }));
  return screen.findByRole('status', { name: 'Connection test result' });
}

const savedSettings = () =>
  db.requests.find((r) => r.path === '/api/plugins/appcontrol-haproxy-app/settings')?.body as any;

describe('Configuration page', () => {
  beforeEach(() => setUserRole('Admin'));

  it('never shows the saved tokens, only that each is configured', () => {
    renderConfig();
    expect(screen.getByDisplayValue('http://backend:8080')).toBeInTheDocument();
    expect(screen.getAllByDisplayValue('configured')).toHaveLength(3);
    expect(screen.getAllByRole('button', { name: 'Reset' })).toHaveLength(3);
  });

  it('saves the backend URL in jsonData and the typed tokens in secureJsonData, each in its slot', async () => {
    const user = renderConfig(meta());
    const save = screen.getByRole('button', { name: 'Save settings' });
    expect(save).toBeDisabled();
    await user.type(screen.getByLabelText(/Backend URL/), 'http://haproxy-control:8080/');
    await user.type(screen.getByLabelText(/Operator token/), 'op-secret');
    // Every page reads with the viewer token: no saving without it.
    expect(save).toBeDisabled();
    await user.type(screen.getByLabelText(/Viewer token/), 'view-secret');
    await user.click(save);
    await waitFor(() => expect(savedSettings()).toBeDefined());
    expect(savedSettings().jsonData).toEqual({ backendUrl: 'http://haproxy-control:8080' });
    expect(savedSettings().secureJsonData).toEqual({ viewerToken: 'view-secret', operatorToken: 'op-secret' });
    expect(JSON.stringify(savedSettings().jsonData)).not.toContain('secret');
  });

  it('keeps the saved tokens when only the URL changes', async () => {
    const user = renderConfig();
    const url = screen.getByLabelText(/Backend URL/);
    await user.clear(url);
    await user.type(url, 'http://other:8080');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(savedSettings()).toBeDefined());
    expect(savedSettings().secureJsonData).toBeUndefined();
  });

  it('clears a saved token that was reset and not typed again, and keeps the others', async () => {
    const user = renderConfig();
    // The slots in order: viewer, operator, admin.
    await user.click(screen.getAllByRole('button', { name: 'Reset' })[2]);
    expect(screen.getByLabelText(/Admin token/)).toHaveValue('');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(savedSettings()).toBeDefined());
    expect(savedSettings().secureJsonData).toEqual({ adminToken: '' });
  });

  it("tests each token through its role's route and reports its role", async () => {
    const user = renderConfig();
    const result = await testConnection(user);
    expect(result).toHaveTextContent('Viewer token: connected as token "grafana-viewer" with role viewer');
    expect(result).toHaveTextContent('Operator token: connected as token "grafana-operator" with role operator');
    expect(result).toHaveTextContent('Admin token: connected as token "grafana-admin" with role admin');
    expect(db.requests.map((r) => r.path).sort()).toEqual([
      `${PROXY_PATH}/admin/api/me`,
      `${PROXY_PATH}/api/me`,
      `${PROXY_PATH}/editor/api/me`,
    ]);
  });

  it("warns when a token's role does not match its slot", async () => {
    server.use(
      http.get(backendUrl('/me'), ({ request }) =>
        HttpResponse.json(
          request.headers.get('authorization') === 'Bearer admin-token'
            ? { token_name: 'ops', role: 'operator' }
            : { token_name: 'root', role: 'admin' }
        )
      )
    );
    const user = renderConfig();
    const result = await testConnection(user);
    expect(result).toHaveTextContent('Viewer token: token "root" with role admin, more than this slot needs (viewer)');
    expect(result).toHaveTextContent('Admin token: token "ops" with role operator, but this slot needs admin');
    expect(screen.getByText(/Create a token with role admin/)).toBeInTheDocument();
  });

  it('warns when a token ends within two weeks, and says when a later end comes', async () => {
    const soon = new Date(Date.now() + 3 * 24 * 3600e3).toISOString();
    const later = new Date(Date.now() + 200 * 24 * 3600e3).toISOString();
    server.use(
      http.get(backendUrl('/me'), ({ request }) => {
        const auth = request.headers.get('authorization');
        return HttpResponse.json(
          auth === 'Bearer viewer-token'
            ? { token_name: 'v', role: 'viewer', expires_at: soon }
            : auth === 'Bearer operator-token'
              ? { token_name: 'o', role: 'operator', expires_at: later }
              : { token_name: 'a', role: 'admin', expires_at: null }
        );
      })
    );
    const user = renderConfig();
    const result = await testConnection(user);
    expect(result).toHaveTextContent(/Viewer token: token "v" with role viewer, expires \d{4}-\d{2}-\d{2}/);
    expect(result).toHaveTextContent('Create a new token on the API tokens page and set it here before then');
    expect(result).toHaveTextContent('Operator token: connected as token "o" with role operator');
    expect(result).toHaveTextContent(/The token expires \d{4}-\d{2}-\d{2}/);
    expect(result).toHaveTextContent('Admin token: connected as token "a" with role admin');
  });

  it('says once that the backend is unreachable', async () => {
    server.use(http.get(backendUrl('/me'), () => HttpResponse.json({ message: 'Bad Gateway' }, { status: 502 })));
    const user = renderConfig();
    const result = await testConnection(user);
    expect(result).toHaveTextContent('Backend unreachable');
    expect(within(result).getAllByText('Backend unreachable')).toHaveLength(1);
  });

  it('reports a network failure as unreachable too', async () => {
    server.use(http.get(`${PROXY}/*`, () => HttpResponse.error()));
    const user = renderConfig();
    expect(await testConnection(user)).toHaveTextContent('Backend unreachable');
  });

  it('reports a missing or refused token (401) in its slot', async () => {
    server.use(
      http.get(backendUrl('/me'), ({ request }) =>
        request.headers.get('authorization') === 'Bearer operator-token'
          ? HttpResponse.json({ error: { code: 'unauthorized', message: 'invalid token' } }, { status: 401 })
          : HttpResponse.json({ token_name: 'x', role: 'viewer' })
      )
    );
    const user = renderConfig();
    expect(await testConnection(user)).toHaveTextContent('Operator token: invalid API token (401)');
  });

  it('asks for the three tokens when only the old single token is set', () => {
    renderConfig(meta({ backendUrl: 'http://backend:8080' }, ['apiToken']));
    expect(screen.getByText('Set the three tokens')).toBeInTheDocument();
    expect(screen.queryByDisplayValue('configured')).not.toBeInTheDocument();
  });
});
