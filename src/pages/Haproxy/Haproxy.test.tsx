import React from 'react';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { AppEvents, dateTimeFormat } from '@grafana/data';
import { toasts } from '../../test/appEvents';
import { db, unreachableHandler } from '../../test/handlers';
import { renderPage, setUserRole } from '../../test/render';
import { findDialog } from '../../test/dialog';
import { server } from '../../test/server';
import HaproxyPage from './Haproxy';
import { makeServer } from '../../test/fixtures';
import { emptyBackend, fleetBackendsOf } from '../../test/stateFixtures';
import { windowEndLabel } from '../../components/ServerState/ServerState.utils';

function renderHaproxy(route = '/haproxy') {
  return renderPage(<HaproxyPage />, { route, path: '/haproxy' });
}

/** What was sent to act, not the dry runs the confirmations ask first. */
const sent = () => db.requests.filter((r) => r.method === 'POST' && !(r.body as { dry_run?: boolean })?.dry_run);
/** be_web's one available server (web1) may go: its budget set to 0 (the default, 1, keeps it in). */
const allowWebOut = () => (db.fleet.minimums.backends[11] = 0);

const backendItem = (name: string) => screen.findByRole('listitem', { name: new RegExp(`^Backend ${name} `) });
/** A bulk command's confirmation, once the ids of the servers it goes to are read. */
async function bulkDialog() {
  await waitFor(() => expect(screen.queryByText('Loading the servers shown...')).not.toBeInTheDocument());
  return findDialog();
}
const location = () => screen.getByTestId('location').textContent;
/** A server's row, found by its name rather than by the row's accessible name, which jsdom computes slowly. */
const row = (item: HTMLElement, name: string) =>
  within(item)
    .getAllByRole('row')
    .find((r) => within(r).queryByText(name))!;

async function expand(name: string, user: ReturnType<typeof renderHaproxy>['user']) {
  const item = await backendItem(name);
  await user.click(within(item).getByRole('button', { expanded: false }));
  // An opened backend reads its servers: its table comes when they are there.
  await within(item).findByRole('table');
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

  it("never loads the fleet's servers: the backend filters the backends, an opened one reads its own", async () => {
    const { user } = renderHaproxy();
    await backendItem('be_web');
    const requests = (route: string) =>
      db.requests
        .filter((r) => r.path.startsWith(`/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/${route}`))
        .map((r) => Object.fromEntries(new URL(`http://x${r.path}`).searchParams));
    expect(requests('servers')).toEqual([]);
    expect(requests('backends')).toEqual([{ limit: '50' }]);

    await user.click(screen.getByRole('radio', { name: 'DOWN' }));
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(1));
    expect(screen.getByRole('listitem')).toHaveTextContent('be_web');
    expect(screen.getByRole('listitem')).toHaveTextContent('1 of 3 servers shown');
    expect(location()).toBe('/haproxy?status=DOWN');
    expect(requests('backends')).toContainEqual({ status: 'DOWN', limit: '50' });

    await user.click(screen.getByRole('radio', { name: 'All' }));
    await user.type(screen.getByLabelText('Search backends and servers'), 'db');
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(1));
    expect(screen.getByRole('listitem')).toHaveTextContent('be_db');
    expect(location()).toBe('/haproxy?q=db');
    expect(requests('backends')).toContainEqual({ server_q: 'db', limit: '50' });
    expect(requests('servers')).toEqual([]);

    const dbItem = await expand('be_db', user);
    expect(within(dbItem).getAllByRole('row')).toHaveLength(3);
    expect(requests('servers')).toEqual([{ backend_id: '21', q: 'db', limit: '100' }]);
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
    allowWebOut();
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Drain web1' }));

    const dialog = await findDialog();
    expect(dialog).toHaveTextContent('Drain server web1 in backend be_web on instance haproxy-1');
    expect(dialog).not.toHaveTextContent('cuts existing connections');
    await user.click(within(dialog).getByRole('button', { name: 'Drain' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const command = db.requests.find((r) => r.method === 'POST' && r.path.endsWith('/command'));
    expect(command).toEqual({
      method: 'POST',
      path: '/api/plugin-proxy/appcontrol-haproxy-app/editor/api/haproxy/servers/1/command',
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
    allowWebOut();
    const { user } = renderHaproxy('/haproxy?q=web');
    const web = await expand('be_web', user);
    const shown = within(web)
      .getAllByRole('row')
      .slice(1)
      .map((r) => within(r).getAllByRole('cell')[0].textContent);
    await user.click(
      within(web).getByRole('button', { name: new RegExp(`^Drain all ${shown.length} shown servers of be_web`) })
    );

    const dialog = await bulkDialog();
    expect(dialog).toHaveTextContent(`Drain ${shown.length} servers in backend be_web on instance haproxy-1`);
    await user.click(within(dialog).getByRole('button', { name: `Drain ${shown.length} servers` }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    const bulk = sent().find((r) => r.path.endsWith('/api/haproxy/commands/bulk'));
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
  }, 60000);

  it('maint warns that it cuts existing connections; cancel sends nothing', async () => {
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Maint web1' }));
    const dialog = await findDialog();
    expect(dialog).toHaveTextContent('Maintenance cuts existing connections');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(sent()).toHaveLength(0);
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
    await user.click(within(await findDialog()).getByRole('button', { name: 'Drain' }));
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
    expect(
      within(web).queryByRole('button', { name: /^(More actions for|Rolling drain of) / })
    ).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /HAProxy instances/ }));
    expect(screen.queryByRole('button', { name: /Sync .* now/ })).not.toBeInTheDocument();
  });

  it('maps a server to an application through the searchable picker, and unmaps it', async () => {
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Map web2 to an application' }));
    const dialog = await findDialog();
    await user.type(within(dialog).getByLabelText('Application'), 'bill');
    await user.click(await screen.findByText('billing'));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(db.requests.find((r) => r.method === 'PUT')).toMatchObject({
      path: '/api/plugin-proxy/appcontrol-haproxy-app/editor/api/haproxy/servers/2/mapping',
      body: { application_id: 101 },
    });
    await waitFor(() => expect(row(web, 'web2')).toHaveTextContent('billing'));
    expect(row(web, 'web2')).toHaveTextContent('manual');

    await user.click(within(row(web, 'web2')).getByRole('button', { name: 'Map web2 to an application' }));
    await user.click(within(await findDialog()).getByRole('button', { name: 'Unmap' }));
    await waitFor(() => expect(row(web, 'web2')).toHaveTextContent('unmapped'));
    expect(db.requests.filter((r) => r.method === 'PUT')[1].body).toEqual({ application_id: null });
  }, 60000);

  it('"Sync now" syncs the instance and says what the sync found', async () => {
    const { user } = renderHaproxy();
    await backendItem('be_web');
    await user.click(screen.getByRole('button', { name: /HAProxy instances \(2\)/ }));
    const reads = (what: string) =>
      db.requests.filter((r) => r.method === 'GET' && r.path.split('?')[0].endsWith(`/api/haproxy/${what}`)).length;
    const before = { instances: reads('instances'), summary: reads('summary'), backends: reads('backends') };
    await user.click(await screen.findByRole('button', { name: 'Sync haproxy-2 now' }));
    await waitFor(() =>
      expect(db.requests).toContainEqual(
        expect.objectContaining({
          method: 'POST',
          path: '/api/plugin-proxy/appcontrol-haproxy-app/editor/api/haproxy/instances/2/sync?wait_ms=10000',
        })
      )
    );
    await waitFor(() => expect(toasts[0]?.payload).toEqual(['haproxy-2 synced', '1 backend, 2 servers']));
    // What the sync changed shows at once: the page reads its instances, summary and backends again.
    await waitFor(() =>
      expect({ instances: reads('instances'), summary: reads('summary'), backends: reads('backends') }).toEqual({
        instances: before.instances + 1,
        summary: before.summary + 1,
        backends: before.backends + 1,
      })
    );
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

describe('HAProxy page: the server state model', () => {
  const HOUR = 3600e3;
  const fleetServer = (name: string) => db.fleet.servers.find((s) => s.server_name === name)!;
  const commands = () => db.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/command'));

  it('lists a backend without servers, from the fleet backends list, with a warning', async () => {
    db.fleet.emptyBackends = [
      emptyBackend({ id: 29, name: 'be_payments', instance_id: 2, instance_name: 'haproxy-2' }),
    ];
    const { user } = renderHaproxy();
    const payments = await backendItem('be_payments');
    expect(payments).toHaveTextContent('haproxy-2');
    expect(within(payments).getByLabelText('no servers')).toBeInTheDocument();
    expect(screen.getByText('4 backends')).toBeInTheDocument();
    expect(db.requests.some((r) => r.path.includes('/api/haproxy/backends?'))).toBe(true);
    await user.click(within(payments).getByRole('button', { expanded: false }));
    expect(within(payments).getByText('This backend has no servers')).toBeInTheDocument();
    expect(within(payments).queryByRole('table')).not.toBeInTheDocument();
    // a status filter looks for servers: the empty backend has none to show
    await user.click(screen.getByRole('radio', { name: 'UP' }));
    await waitFor(() => expect(screen.queryByRole('listitem', { name: /^Backend be_payments / })).toBeNull());
  });

  it('takes the accordion counts from the fleet backends list', async () => {
    const { http, HttpResponse } = await import('msw');
    server.use(
      http.get('*/api/haproxy/backends', () => {
        const backends = fleetBackendsOf(db.fleet.servers);
        const web = backends.find((b) => b.name === 'be_web')!;
        Object.assign(web, { servers_total: 40, shown: 40, by_status: { UP: 38, DOWN: 2 }, drifting: 3 });
        return HttpResponse.json({ backends, total: backends.length, next: null });
      })
    );
    renderHaproxy();
    const web = await backendItem('be_web');
    await waitFor(() => expect(web).toHaveTextContent('40 servers'));
    expect(web).toHaveTextContent('UP 38');
    expect(web).toHaveTextContent('DOWN 2');
    expect(web).toHaveTextContent('drift 3');
  });

  it('a drained server whose checks fail shows DOWN and drained; drift and a window end show in their rows', async () => {
    Object.assign(fleetServer('web3'), {
      admin_state: 'drain',
      desired: {
        admin_state: 'drain',
        actor: 'grafana:alice',
        reason: 'INC-42',
        source: 'ui',
        set_at: new Date().toISOString(),
        until: null,
      },
    });
    const until = new Date(Date.now() + HOUR).toISOString();
    Object.assign(fleetServer('web2'), {
      desired: { ...fleetServer('web3').desired!, until },
    });
    Object.assign(fleetServer('web1'), {
      drift: {
        since: new Date().toISOString(),
        desired: 'drain',
        actual: 'ready',
        cause: 'reload',
        policy: 'reapply',
        attempts: 1,
        last_error: null,
      },
    });
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    const web3 = row(web, 'web3');
    expect(within(web3).getByText('DOWN')).toBeInTheDocument();
    // Images with names: a screen reader reads each badge, not only its text.
    expect(within(web3).getByRole('img', { name: 'intent: drained' })).toBeInTheDocument();
    // drained: Ready is offered, Drain is not
    expect(within(web3).getByRole('button', { name: 'Ready web3' })).toBeInTheDocument();
    expect(within(web3).queryByRole('button', { name: 'Drain web3' })).not.toBeInTheDocument();
    expect(row(web, 'web2')).toHaveTextContent(windowEndLabel(until));
    expect(
      within(row(web, 'web2')).getByRole('img', { name: `maintenance window ${windowEndLabel(until)}` })
    ).toBeInTheDocument();
    expect(
      within(row(web, 'web1')).getByRole('img', { name: 'drift: desired drain, HAProxy ready, after a reload' })
    ).toBeInTheDocument();
  });

  it('a drain that comes down a track shows the tracked server, and Ready is not offered as the way back', async () => {
    const web2 = db.fleet.servers.find((x) => x.server_name === 'web2')!;
    Object.assign(web2, { admin_state: 'drain', maint_source: 'inherited', tracks: 'be_web/web1' });
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    const line = row(web, 'web2');
    expect(within(line).getByLabelText('intent: drain (via track: be_web/web1)')).toBeInTheDocument();
    const ready = within(line).getByRole('button', { name: 'Ready web2' });
    expect(ready.className).toBe(within(line).getByRole('button', { name: 'Maint web2' }).className);
    await user.hover(ready);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'Its drain is inherited from be_web/web1, the server it tracks'
    );
  });

  it('a backup server says so under its name, and why on hover', async () => {
    Object.assign(
      db.fleet.servers.find((x) => x.server_name === 'web3')!,
      { backup: true }
    );
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    const label = within(row(web, 'web3')).getByText('backup');
    expect(within(row(web, 'web1')).queryByText('backup')).not.toBeInTheDocument();
    await user.hover(label);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'HAProxy sends it traffic only when no active server of this backend can take it. The disruption budgets count it, one per backend, only while no active server is available.'
    );
  });

  it('a backend whose active servers are all out while a backup one is up says it runs on backup', async () => {
    const byName = (n: string) => db.fleet.servers.find((x) => x.server_name === n)!;
    Object.assign(byName('web1'), { status: 'DOWN', operational_state: 'down' });
    Object.assign(byName('web3'), {
      status: 'UP',
      raw_status: 'UP',
      admin_state: 'ready',
      operational_state: 'up',
      backup: true,
    });
    renderHaproxy();
    const web = await screen.findByRole('listitem', { name: 'Backend be_web on haproxy-1' });
    expect(await within(web).findByRole('img', { name: 'running on backup servers' })).toBeInTheDocument();
    const api = screen.getByRole('listitem', { name: 'Backend be_api on haproxy-1' });
    expect(within(api).queryByRole('img', { name: 'running on backup servers' })).not.toBeInTheDocument();
  });

  it('a ready that a maintenance HAProxy holds outranks (track) is a warning saying why the row still shows MAINT', async () => {
    const { user } = renderHaproxy();
    const api = await expand('be_api', user);
    // Not offered as the way back: its button is not the primary one, and says why on hover.
    const ready = within(row(api, 'api2')).getByRole('button', { name: 'Ready api2' });
    expect(ready.className).toBe(within(row(api, 'api2')).getByRole('button', { name: 'Drain api2' }).className);
    await user.hover(ready);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'Its maintenance is inherited from be_api/api1, the server it tracks'
    );
    await user.click(ready);
    await user.click(within(await findDialog()).getByRole('button', { name: 'Ready' }));
    await waitFor(() =>
      expect(toasts).toContainEqual({
        type: AppEvents.alertWarning.name,
        payload: [
          'ready sent to api2',
          'be_api on haproxy-1 is now MAINT: HAProxy took ready, but shows "MAINT (via be_api/api1)"',
        ],
      })
    );
    expect(within(row(api, 'api2')).getByText('MAINT')).toBeInTheDocument();
    // The server it follows through track is named under its own name.
    expect(within(row(api, 'api2')).getByText('tracks be_api/api1')).toBeInTheDocument();
    expect(within(row(api, 'api1')).queryByText(/^tracks /)).not.toBeInTheDocument();
  });

  it('"Drain all" over a server such a maintenance holds is a warning naming it and why', async () => {
    db.fleet.minimums.backends[12] = 0; // be_api may go out whole
    const { user } = renderHaproxy();
    const api = await expand('be_api', user);
    await user.click(within(api).getByRole('button', { name: /^Drain all 2 shown servers of be_api/ }));
    const dialog = await bulkDialog();
    await user.click(within(dialog).getByRole('button', { name: 'Drain 2 servers' }));
    await waitFor(() =>
      expect(toasts).toContainEqual({
        type: AppEvents.alertWarning.name,
        payload: [
          'drain sent to 2 servers, 1 not shown yet',
          'api2: HAProxy took drain, but shows "MAINT (via be_api/api1)"',
        ],
      })
    );
  }, 60000);

  it('drain with a reason and a 1 h window sends them, and the row shows the window end', async () => {
    allowWebOut();
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Drain web1' }));
    const dialog = await findDialog();
    await user.type(within(dialog).getByLabelText(/^Reason/), 'INC-42 deploy');
    expect(dialog).toHaveTextContent('13 / 500 characters');
    await user.click(within(dialog).getByRole('radio', { name: '1 h' }));
    await user.click(within(dialog).getByRole('button', { name: 'Drain' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(commands()[0].body).toEqual({ command: 'drain', reason: 'INC-42 deploy', duration_s: 3600 });
    const until = fleetServer('web1').desired!.until!;
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(HOUR - 60e3);
    await waitFor(() => expect(row(web, 'web1')).toHaveTextContent(windowEndLabel(until)));
  });

  it("shows the backend's 400 in the dialog and keeps what was typed; the corrected time is sent", async () => {
    allowWebOut();
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Maint web1' }));
    const dialog = await findDialog();
    await user.type(within(dialog).getByLabelText(/^Reason/), 'kernel update');
    await user.click(within(dialog).getByRole('radio', { name: 'Until a time' }));
    // nothing chosen yet: said at the field, nothing sent
    await user.click(within(dialog).getByRole('button', { name: 'Maint' }));
    expect(dialog).toHaveTextContent('Choose when the window ends');
    expect(commands()).toHaveLength(0);

    const ends = within(dialog).getByLabelText('Window ends at');
    fireEvent.change(ends, { target: { value: '2020-01-01T10:00' } });
    await user.click(within(dialog).getByRole('button', { name: 'Maint' }));
    expect(await within(dialog).findByText('until: must be in the future')).toBeInTheDocument();
    expect(commands()[0].body).toEqual({
      command: 'maint',
      reason: 'kernel update',
      until: new Date('2020-01-01T10:00').toISOString(),
    });
    expect(screen.getByRole('dialog')).toBe(dialog);
    expect(within(dialog).getByLabelText(/^Reason/)).toHaveValue('kernel update');
    expect(within(dialog).getByRole('radio', { name: 'Until a time' })).toBeChecked();
    expect(ends).toHaveValue('2020-01-01T10:00');
    expect(toasts).toHaveLength(0);
    expect(fleetServer('web1').status).toBe('UP');

    const later = new Date(Date.now() + 2 * HOUR);
    const local = dateTimeFormat(later, { format: 'YYYY-MM-DDTHH:mm', timeZone: 'browser' });
    fireEvent.change(ends, { target: { value: local } });
    await user.click(within(dialog).getByRole('button', { name: 'Maint' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(commands()[1].body).toEqual({
      command: 'maint',
      reason: 'kernel update',
      until: new Date(local).toISOString(),
    });
    expect(fleetServer('web1').desired).toMatchObject({ admin_state: 'maint', reason: 'kernel update' });
  });

  it('a reason over 500 characters is refused at the field and nothing is sent', async () => {
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Ready web2' }));
    const dialog = await findDialog();
    // ready has a reason but no window
    expect(within(dialog).queryByRole('radio', { name: '1 h' })).not.toBeInTheDocument();
    await user.click(within(dialog).getByLabelText(/^Reason/));
    await user.paste('x'.repeat(501));
    expect(dialog).toHaveTextContent('501 / 500 characters');
    await user.click(within(dialog).getByRole('button', { name: 'Ready' }));
    expect(dialog).toHaveTextContent('At most 500 characters (501 now)');
    expect(commands()).toHaveLength(0);
  });

  it('"Drain all" sends the reason and the window with the bulk command; a 400 stays in its dialog', async () => {
    allowWebOut();
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: /^Drain all 3 shown servers of be_web/ }));
    const dialog = await bulkDialog();
    // The dry run answered before the refusal is armed.
    await within(dialog).findByText(/would be taken out/);
    await user.type(within(dialog).getByLabelText(/^Reason/), 'rolling deploy');
    await user.click(within(dialog).getByRole('radio', { name: '30 min' }));

    const { http, HttpResponse } = await import('msw');
    const refused: unknown[] = [];
    server.use(
      http.post(
        '*/api/haproxy/commands/bulk',
        async ({ request }) => {
          refused.push(await request.json());
          return HttpResponse.json({ error: { code: 'bad_request', message: 'too many at once' } }, { status: 400 });
        },
        { once: true }
      )
    );
    await user.click(within(dialog).getByRole('button', { name: 'Drain 3 servers' }));
    expect(await within(dialog).findByText('too many at once')).toBeInTheDocument();
    expect(refused).toEqual([{ command: 'drain', server_ids: [1, 2, 3], reason: 'rolling deploy', duration_s: 1800 }]);
    expect(within(dialog).getByLabelText(/^Reason/)).toHaveValue('rolling deploy');
    expect(within(dialog).getByRole('radio', { name: '30 min' })).toBeChecked();

    await user.click(within(dialog).getByRole('button', { name: 'Drain 3 servers' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const bulk = sent().find((r) => r.path.endsWith('/api/haproxy/commands/bulk'));
    expect(bulk?.body).toEqual(refused[0]);
    expect(db.fleet.servers.filter((s) => s.backend_name === 'be_web').map((s) => s.desired?.reason)).toEqual([
      'rolling deploy',
      'rolling deploy',
      'rolling deploy',
    ]);
  });

  it('filters drifting servers and servers in a maintenance window, kept in the URL', async () => {
    fleetServer('db2').drift = {
      since: new Date().toISOString(),
      desired: 'maint',
      actual: 'ready',
      cause: 'unknown',
      policy: 'alert',
      attempts: 0,
      last_error: null,
    };
    fleetServer('api2').desired = {
      admin_state: 'maint',
      actor: 'grafana:bob',
      reason: null,
      source: 'ui',
      set_at: new Date().toISOString(),
      until: new Date(Date.now() + HOUR).toISOString(),
    };
    const { user } = renderHaproxy();
    await backendItem('be_web');
    await user.click(screen.getByRole('radio', { name: 'Drift' }));
    await waitFor(() => expect(screen.getAllByRole('listitem')).toHaveLength(1));
    expect(screen.getByRole('listitem')).toHaveTextContent('be_db');
    expect(screen.getByRole('listitem')).toHaveTextContent('1 of 2 servers shown');
    expect(location()).toBe('/haproxy?status=drift');

    await user.click(screen.getByRole('radio', { name: 'In window' }));
    await waitFor(() => expect(screen.getByRole('listitem')).toHaveTextContent('be_api'));
    expect(location()).toBe('/haproxy?status=window');
  });

  it('restores the window filter from a shared URL', async () => {
    renderHaproxy('/haproxy?status=window');
    expect(await screen.findByText('No backend or server matches the filters')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'In window' })).toBeChecked();
  });

  it('shows the statistics split from the summary', async () => {
    Object.assign(fleetServer('web3'), { admin_state: 'drain' });
    renderHaproxy();
    // web1, api1, db1, db2 are ready and up; web2, web3 (drained while down) and api2 are out on purpose
    expect(await screen.findByLabelText('Available')).toHaveTextContent('4');
    expect(screen.getByLabelText('Out on purpose')).toHaveTextContent('3');
    expect(screen.getByLabelText('Failing')).toHaveTextContent('0');
  });
});

describe('HAProxy page: disruption budgets', () => {
  /** be_api: two available servers, so the default minimum (1) lets one of them go. */
  const api2Available = () =>
    Object.assign(
      db.fleet.servers.find((s) => s.server_name === 'api2')!,
      {
        status: 'UP',
        raw_status: 'UP',
        admin_state: 'ready',
        operational_state: 'up',
      }
    );

  it('backend headers show their budget: available / minimum, and say when it is below', async () => {
    db.fleet.minimums.backends[21] = 2;
    Object.assign(
      db.fleet.servers.find((s) => s.server_name === 'db2')!,
      { status: 'DOWN', operational_state: 'down' }
    );
    renderHaproxy();
    expect(await backendItem('be_web')).toHaveTextContent('budget 1 / min 1');
    expect(await backendItem('be_db')).toHaveTextContent('budget 1 / min 2 (below)');
  });

  it('a budget says what it counts on keyboard focus too, not only on a mouse hover', async () => {
    renderHaproxy();
    const budget = within(await backendItem('be_web')).getByText('budget 1 / min 1');
    expect(budget).toHaveAttribute('tabindex', '0');
    act(() => budget.focus());
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'Disruption budget: servers available (admin ready, up, weight above 0; a backup server only while no active one is) / the minimum kept in'
    );
  });

  it('"Drain all" shows the dry run before confirming: who would be taken out, who refused, the budget after', async () => {
    api2Available();
    const { user } = renderHaproxy();
    const api = await expand('be_api', user);
    await user.click(within(api).getByRole('button', { name: /^Maint all 2 shown servers of be_api/ }));
    const dialog = await bulkDialog();
    const preview = await within(dialog).findByRole('region', { name: 'Dry run' });
    expect(preview).toHaveTextContent('1 server would be taken out, 1 refused');
    expect(preview).toHaveTextContent('api2: backend be_api of haproxy-1: 1 available, minimum 1; refused api2');
    expect(within(preview).getByRole('list', { name: 'Budgets after' })).toHaveTextContent(
      'ok backend be_api on haproxy-1 after: 1 available, minimum 1'
    );
    expect(sent()).toHaveLength(0);
    expect(within(dialog).getByRole('checkbox', { name: 'Force past the disruption budget' })).not.toBeChecked();
  });

  it('a refused drain says which budget, its numbers and the server; forcing it needs a reason and is sent', async () => {
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Drain web1' }));
    const dialog = await findDialog();
    expect(await within(dialog).findByText(/0 servers would be taken out, 1 refused/)).toBeInTheDocument();
    // Sent anyway (not forced): the backend's 409 in words, the dialog stays.
    await user.click(within(dialog).getByRole('button', { name: 'Drain' }));
    const alert = await within(dialog).findByRole('alert', {
      name: 'Refused by the disruption budget of backend be_web on haproxy-1',
    });
    expect(alert).toHaveTextContent(
      '1 server available, minimum 1: taking out web1 would leave fewer than 1 in service, so it was kept in.'
    );
    expect(db.fleet.servers.find((s) => s.server_name === 'web1')!.admin_state).toBe('ready');

    await user.click(within(dialog).getByRole('checkbox', { name: 'Force past the disruption budget' }));
    await user.click(within(dialog).getByRole('button', { name: 'Drain' }));
    expect(within(dialog).getByText(/Forcing past a disruption budget needs a reason/)).toBeInTheDocument();
    await user.type(within(dialog).getByLabelText(/^Reason/), 'INC-9 host on fire');
    await user.click(within(dialog).getByRole('button', { name: 'Drain' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(sent().at(-1)?.body).toEqual({ command: 'drain', reason: 'INC-9 host on fire', force: true });
    expect(db.fleet.actions.at(-1)).toMatchObject({ forced: true, reason: 'INC-9 host on fire' });
  });

  it('a bulk answer with a refusal and an agent failure says both: the refusal in the dialog, the failure in a toast', async () => {
    const { http, HttpResponse } = await import('msw');
    const ids = db.fleet.servers.filter((s) => s.backend_name === 'be_api').map((s) => s.id);
    server.use(
      http.post('*/api/haproxy/commands/bulk', async ({ request }) =>
        // The dialog's dry run goes to the fake backend; the command gets this answer.
        ((await request.clone().json()) as { dry_run?: boolean }).dry_run
          ? undefined
          : HttpResponse.json({
              operation_id: '00000000-0000-4000-8000-000000000001',
              command: 'drain',
              total: 2,
              succeeded: 0,
              failed: 2,
              results: [
                {
                  server_id: ids[0],
                  ok: false,
                  action_id: 901,
                  error: 'backend be_api of haproxy-1: 1 available, minimum 1; refused api1',
                  error_code: 'budget_exceeded',
                  details: {
                    scope: 'backend',
                    backend_id: 21,
                    backend: 'be_api',
                    instance: 'haproxy-1',
                    application_id: null,
                    available: 1,
                    min_available: 1,
                    stale: 0,
                    refused_server_ids: [ids[0]],
                  },
                },
                { server_id: ids[1], ok: false, action_id: 902, error: 'FAgent on host-a answered HTTP 500' },
              ],
            })
      )
    );
    const { user } = renderHaproxy();
    const api = await expand('be_api', user);
    await user.click(within(api).getByRole('button', { name: /^Drain all 2 shown servers of be_api/ }));
    const dialog = await bulkDialog();
    await user.click(within(dialog).getByRole('button', { name: 'Drain 2 servers' }));
    await waitFor(() => expect(dialog).toHaveTextContent('0 of 2 done; 1 kept in'));
    await waitFor(() =>
      expect(toasts).toContainEqual({
        type: AppEvents.alertError.name,
        payload: ['drain: 0 of 2 servers done, 1 failed', 'api2: FAgent on host-a answered HTTP 500'],
      })
    );
  });

  it('a bulk answer with servers the budget kept in keeps the dialog open; forcing resends to those only', async () => {
    api2Available();
    const { user } = renderHaproxy();
    const api = await expand('be_api', user);
    await user.click(within(api).getByRole('button', { name: /^Drain all 2 shown servers of be_api/ }));
    const dialog = await bulkDialog();
    await within(dialog).findByRole('region', { name: 'Dry run' });
    await user.click(within(dialog).getByRole('button', { name: 'Drain 2 servers' }));
    expect(
      await within(dialog).findByRole('alert', {
        name: 'Refused by the disruption budget of backend be_api on haproxy-1',
      })
    ).toHaveTextContent('taking out api2 would leave fewer than 1 in service');
    expect(dialog).toHaveTextContent('1 of 2 done; 1 kept in');
    expect(within(dialog).getByRole('button', { name: 'Drain 1 server' })).toBeInTheDocument();

    await user.click(within(dialog).getByRole('checkbox', { name: 'Force past the disruption budget' }));
    await user.type(within(dialog).getByLabelText(/^Reason/), 'whole backend retired');
    await user.click(within(dialog).getByRole('button', { name: 'Drain 1 server' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const bulks = sent().filter((r) => r.path.endsWith('/commands/bulk'));
    expect(bulks.map((r) => r.body)).toEqual([
      { command: 'drain', server_ids: [4, 5] },
      { command: 'drain', server_ids: [5], reason: 'whole backend retired', force: true },
    ]);
    expect(db.fleet.servers.filter((s) => s.backend_name === 'be_api').map((s) => s.admin_state)).toEqual([
      'drain',
      'drain',
    ]);
  });
});

describe('HAProxy page: weight, shutdown-sessions and rolling drains', () => {
  it("a server row's menu sets its weight through the confirmation, and the row shows the new weight", async () => {
    const { user } = renderHaproxy();
    const api = await expand('be_api', user);
    expect(within(row(api, 'api1')).getAllByRole('cell')[3]).toHaveTextContent(/^100$/);
    await user.click(within(api).getByRole('button', { name: 'More actions for api1' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Set weight' }));
    const dialog = await findDialog({ name: 'Set the weight of server api1?' });
    const field = within(dialog).getByLabelText(/^New weight/);
    await user.type(field, 'lots');
    await user.click(within(dialog).getByRole('button', { name: 'Set weight' }));
    expect(within(dialog).getByText(/^A weight is a whole number from 0 to 256/)).toBeInTheDocument();
    await user.clear(field);
    await user.type(field, '25');
    await user.click(within(dialog).getByRole('button', { name: 'Set weight' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(sent().map((r) => r.body)).toEqual([{ command: 'weight', weight: 25 }]);
    expect(within(row(api, 'api1')).getAllByRole('cell')[3]).toHaveTextContent(/^25$/);
  });

  it("a server row's menu shuts its sessions down after a confirmation naming them", async () => {
    db.fleet.minimums.backends[12] = 0;
    const { user } = renderHaproxy();
    const api = await expand('be_api', user);
    await user.click(within(api).getByRole('button', { name: 'More actions for api1' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Shut down sessions' }));
    const dialog = await findDialog({ name: 'Shut down the sessions of server api1?' });
    expect(within(dialog).getByRole('alert', { name: 'The 3 sessions open on this server are cut now' })).toBeVisible();
    await within(dialog).findByRole('region', { name: 'Dry run' });
    await user.click(within(dialog).getByRole('button', { name: 'Shut down sessions' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(sent()).toEqual([
      expect.objectContaining({
        path: expect.stringMatching(/\/servers\/4\/command$/),
        body: { command: 'shutdown-sessions' },
      }),
    ]);
  });

  it('an opened backend starts a rolling drain of the backend, with its dry run, and opens the job', async () => {
    const { user } = renderHaproxy();
    const web = await expand('be_web', user);
    await user.click(within(web).getByRole('button', { name: 'Rolling drain of backend be_web' }));
    const dialog = await findDialog({ name: 'Rolling drain of backend be_web on haproxy-1' });
    expect(await within(dialog).findByRole('region', { name: 'Dry run' })).toHaveTextContent(
      '1 server would be taken out, 1 refused, 1 skipped'
    );
    const operations = () => db.requests.filter((r) => r.path.endsWith('/api/haproxy/operations'));
    expect(operations()[0].body).toMatchObject({ backend_id: 11, action: 'drain', dry_run: true });
    await user.type(within(dialog).getByLabelText(/^Reason/), 'OS upgrade');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Force past the disruption budget' }));
    await user.click(within(dialog).getByRole('button', { name: 'Start rolling drain' }));
    await waitFor(() => expect(location()).toMatch(/\/operations\/[0-9a-f-]{36}$/));
    expect(operations().at(-1)?.body).toMatchObject({
      backend_id: 11,
      action: 'drain',
      reason: 'OS upgrade',
      force: true,
    });
    expect(operations().at(-1)?.body).not.toHaveProperty('dry_run');
    expect(db.fleet.operations.at(-1)?.servers.map((s) => s.server_name)).toEqual(['web1', 'web2', 'web3']);
  });
});
