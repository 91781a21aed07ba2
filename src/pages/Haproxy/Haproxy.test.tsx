import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { AppEvents } from '@grafana/data';
import { toasts } from '../../test/appEvents';
import { db, unreachableHandler } from '../../test/handlers';
import { renderPage, setUserRole } from '../../test/render';
import { server } from '../../test/server';
import HaproxyPage from './Haproxy';
import { makeServer } from '../../test/fixtures';

function renderHaproxy(route = '/haproxy') {
  return renderPage(<HaproxyPage />, { route, path: '/haproxy' });
}

const backendItem = (name: string) => screen.findByRole('listitem', { name: new RegExp(`^Backend ${name} `) });
const location = () => screen.getByTestId('location').textContent;

async function expand(name: string, user: ReturnType<typeof renderHaproxy>['user']) {
  const item = await backendItem(name);
  await user.click(within(item).getByRole('button', { expanded: false }));
  return item;
}

describe('HAProxy page', () => {
  it('shows the fleet statistics and one collapsed accordion entry per backend', async () => {
    renderHaproxy();
    expect(await screen.findByLabelText('Instances')).toHaveTextContent('2');
    expect(screen.getByLabelText('Backends')).toHaveTextContent('3');
    expect(screen.getByLabelText('Servers')).toHaveTextContent('7');
    expect(screen.getByLabelText('Servers by status')).toHaveTextContent('DOWN 1');
    const list = await screen.findByRole('list', { name: 'Backends and servers' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(3);
    const web = await backendItem('be_web');
    expect(web).toHaveTextContent('haproxy-1');
    expect(web).toHaveTextContent('UP 1');
    expect(web).toHaveTextContent('DRAIN 1');
    // collapsed: no server rows rendered
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.queryByText('web1')).not.toBeInTheDocument();
  });

  it('loads the servers once and filters without refetching', async () => {
    const { user } = renderHaproxy();
    await backendItem('be_web');
    const serverRequests = () =>
      db.requests.filter((r) => r.path.startsWith('/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/servers'))
        .length;
    expect(serverRequests()).toBe(1);

    await user.click(screen.getByRole('radio', { name: 'DOWN' }));
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(1));
    expect(screen.getByRole('listitem')).toHaveTextContent('be_web');
    expect(screen.getByRole('listitem')).toHaveTextContent('1 of 3 servers shown');
    expect(location()).toBe('/haproxy?status=DOWN');

    await user.click(screen.getByRole('radio', { name: 'All' }));
    await user.type(screen.getByLabelText('Search backends and servers'), 'db');
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(1));
    expect(screen.getByRole('listitem')).toHaveTextContent('be_db');
    expect(location()).toBe('/haproxy?q=db');
    expect(serverRequests()).toBe(1);
  });

  it('restores its filters from the URL (a shared view)', async () => {
    const { user } = renderHaproxy('/haproxy?instance=1&status=UP&q=api');
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(1));
    const api = await expand('be_api', user);
    const rows = within(api).getAllByRole('row');
    // header + api1 only (api2 is MAINT)
    expect(rows).toHaveLength(2);
    expect(within(api).getByText('api1')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'UP' })).toBeChecked();
    expect(screen.getByLabelText('Search backends and servers')).toHaveValue('api');
  });

  it('shows the empty state when nothing matches', async () => {
    const { user } = renderHaproxy('/haproxy?q=nothing-like-this');
    expect(await screen.findByText('No backend or server matches the filters')).toBeInTheDocument();
    await user.clear(screen.getByLabelText('Search backends and servers'));
    expect(await screen.findAllByRole('listitem')).toHaveLength(3);
  });

  it('expanding a backend shows its server rows with status, raw status, weight, sessions, application', async () => {
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    const rows = within(web).getAllByRole('row');
    expect(rows).toHaveLength(4);
    const web1 = rows.find((r) => within(r).queryByText('web1'))!;
    expect(web1).toHaveTextContent('UP');
    expect(web1).toHaveTextContent('100');
    expect(web1).toHaveTextContent('3 / 50');
    expect(web1).toHaveTextContent('shop');
    expect(web1).toHaveTextContent('auto');
    const web3 = rows.find((r) => within(r).queryByText('web3'))!;
    expect(within(web3).getByLabelText('DOWN (DOWN (agent))')).toBeInTheDocument();
  });

  it('drain asks for confirmation naming server, backend and instance, posts the command and updates the row', async () => {
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Drain web1' }));

    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Drain server web1 in backend be_web on instance haproxy-1');
    expect(dialog).not.toHaveTextContent('cuts existing connections');
    await user.click(within(dialog).getByRole('button', { name: 'Drain' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const command = db.requests.find((r) => r.method === 'POST' && r.path.endsWith('/command'));
    expect(command).toEqual({
      method: 'POST',
      path: '/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/servers/1/command',
      body: { command: 'drain' },
    });
    const row = within(web)
      .getAllByRole('row')
      .find((r) => within(r).queryByText('web1'))!;
    await waitFor(() => expect(within(row).getByText('DRAIN')).toBeInTheDocument());
    // a drained server offers ready and maint, not drain again
    expect(within(row).queryByRole('button', { name: 'Drain web1' })).not.toBeInTheDocument();
    expect(toasts).toContainEqual({
      type: AppEvents.alertSuccess.name,
      payload: ['drain sent to web1', 'be_web on haproxy-1 is now DRAIN'],
    });
  });

  it('"Drain all" drains every server the filters show in that backend, after a confirmation naming them', async () => {
    const { user } = renderHaproxy('/haproxy?q=web');
    const web = await expand('be_web', user);
    const shown = within(web)
      .getAllByRole('row')
      .slice(1)
      .map((r) => within(r).getAllByRole('cell')[0].textContent);
    await user.click(
      within(web).getByRole('button', { name: new RegExp(`^Drain all ${shown.length} shown servers of be_web`) })
    );

    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(`Drain ${shown.length} servers in backend be_web on instance haproxy-1`);
    await user.click(within(dialog).getByRole('button', { name: `Drain ${shown.length} servers` }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    const bulk = db.requests.find((r) => r.path.endsWith('/api/haproxy/commands/bulk'));
    const ids = db.fleet.servers
      .filter((s) => s.backend_name === 'be_web' && shown.includes(s.server_name))
      .map((s) => s.id);
    expect(bulk).toMatchObject({ method: 'POST', body: { command: 'drain', server_ids: ids } });
    expect(db.fleet.servers.filter((s) => ids.includes(s.id)).every((s) => s.admin_state === 'drain')).toBe(true);
    await waitFor(() =>
      expect(toasts).toContainEqual({
        type: AppEvents.alertSuccess.name,
        payload: [`drain sent to ${ids.length} servers`, 'be_web on haproxy-1'],
      })
    );
  });

  it('maint warns that it cuts existing connections; cancel sends nothing', async () => {
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Maint web1' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Maintenance cuts existing connections');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(db.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('a failed command shows an error toast and leaves the row as it was', async () => {
    const { http, HttpResponse } = await import('msw');
    server.use(
      http.post('*/api/haproxy/servers/:id/command', () =>
        HttpResponse.json(
          { error: { code: 'fagent_error', message: 'FAgent on host-a answered 500' } },
          { status: 502 }
        )
      )
    );
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Drain web1' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Drain' }));
    await waitFor(() => expect(toasts).toHaveLength(1));
    expect(toasts[0]).toEqual({
      type: AppEvents.alertError.name,
      payload: ['drain failed on web1', 'FAgent on host-a answered 500'],
    });
    // a backend error is not a connection problem: the page stays
    expect(screen.queryByText('The HAProxy Control backend is unreachable')).not.toBeInTheDocument();
    const row = within(web)
      .getAllByRole('row')
      .find((r) => within(r).queryByText('web1'))!;
    expect(within(row).getByText('UP')).toBeInTheDocument();
  });

  it('viewers see no command, mapping or sync buttons', async () => {
    setUserRole('Viewer');
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    expect(within(web).getAllByRole('row')).toHaveLength(4);
    expect(within(web).queryByRole('button', { name: /^(Drain|Ready|Maint) / })).not.toBeInTheDocument();
    expect(within(web).queryByRole('button', { name: /^Map / })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /HAProxy instances/ }));
    expect(screen.queryByRole('button', { name: /Sync .* now/ })).not.toBeInTheDocument();
  });

  it('maps a server to an application through the searchable picker, and unmaps it', async () => {
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Map web2 to an application' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Application'), 'bill');
    await user.click(await screen.findByText('billing'));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(db.requests.find((r) => r.method === 'PUT')).toMatchObject({
      path: '/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/servers/2/mapping',
      body: { application_id: 101 },
    });
    const row = () =>
      within(web)
        .getAllByRole('row')
        .find((r) => within(r).queryByText('web2'))!;
    await waitFor(() => expect(row()).toHaveTextContent('billing'));
    expect(row()).toHaveTextContent('manual');

    await user.click(within(row()).getByRole('button', { name: 'Map web2 to an application' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Unmap' }));
    await waitFor(() => expect(row()).toHaveTextContent('unmapped'));
    expect(db.requests.filter((r) => r.method === 'PUT')[1].body).toEqual({ application_id: null });
  }, 60000);

  it('"Sync now" posts a sync request for the instance', async () => {
    const { user } = renderHaproxy();
    await backendItem('be_web');
    await user.click(screen.getByRole('button', { name: /HAProxy instances \(2\)/ }));
    await user.click(await screen.findByRole('button', { name: 'Sync haproxy-2 now' }));
    await waitFor(() =>
      expect(db.requests).toContainEqual(
        expect.objectContaining({
          method: 'POST',
          path: '/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/instances/2/sync',
        })
      )
    );
    await waitFor(() => expect(toasts[0]?.payload).toEqual(['Sync of haproxy-2 started']));
  });

  it('shows one clear banner and nothing else when the backend is unreachable', async () => {
    server.use(unreachableHandler);
    renderHaproxy();
    expect(await screen.findByText('The HAProxy Control backend is unreachable')).toBeInTheDocument();
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(screen.queryByRole('list', { name: 'Backends and servers' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Open plugin configuration/ })).toHaveAttribute(
      'href',
      '/plugins/appcontrol-haproxy-app'
    );
  });

  it('says the app is not configured when there is no backend URL', async () => {
    server.use(unreachableHandler);
    renderPage(<HaproxyPage />, { route: '/haproxy', path: '/haproxy', jsonData: {} });
    expect(await screen.findByText('HAProxy Control is not configured')).toBeInTheDocument();
  });

  it('remembers the auto-refresh choice and polls with it', async () => {
    const { user, unmount } = renderHaproxy();
    await backendItem('be_web');
    expect(screen.getByRole('status', { name: 'Data freshness' })).toHaveTextContent(/^Last updated \d\d:\d\d:\d\d$/);
    await user.click(screen.getByRole('radio', { name: '5s' }));
    expect(window.localStorage.getItem('appcontrol-haproxy-app.haproxy.refresh')).toBe('5');
    // a change made behind the page's back shows after the next refresh (5 s after the choice, real time)
    db.fleet.servers.push(
      makeServer({
        backend_id: 31,
        backend_name: 'be_new',
        instance_id: 2,
        instance_name: 'haproxy-2',
        server_name: 'n1',
      })
    );
    expect(await screen.findByRole('listitem', { name: /^Backend be_new / }, { timeout: 10_000 })).toBeInTheDocument();
    unmount();
    renderHaproxy();
    await backendItem('be_web');
    expect(screen.getByRole('radio', { name: '5s' })).toBeChecked();
  });
});
