import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { http } from 'msw';
import { apiError, backendUrl, db } from '../../test/handlers';
import { makeServer } from '../../test/fixtures';
import { renderPage, setUserRole } from '../../test/render';
import { findDialog } from '../../test/dialog';
import { server } from '../../test/server';
import ApplicationsPage from './Applications';

const review = () => screen.findByRole('region', { name: 'Unresolved auto-mappings' });
const rowOf = async (name: string) =>
  (await within(await screen.findByRole('region', { name: 'Applications' })).findByText(name)).closest('tr')!;

describe('Applications page', () => {
  it('lists the applications and, on expand, the servers mapped to each', async () => {
    const { user } = renderPage(<ApplicationsPage />, { route: '/applications' });
    const shop = await rowOf('shop');
    expect(shop).toHaveTextContent('host-a');
    await user.click(within(shop).getByRole('button', { name: /expand/i }));
    expect(await screen.findByText('web1')).toBeInTheDocument();
    expect(db.requests.some((r) => r.path.includes('/api/haproxy/servers?application_id=100'))).toBe(true);
  });

  it('a mapped server shows where its state comes from (a drain through track); its failed load has Retry', async () => {
    Object.assign(db.fleet.servers[0], {
      status: 'DRAIN',
      admin_state: 'drain',
      maint_source: 'inherited',
      tracks: 'be/x',
    });
    let failing = true;
    server.use(
      http.get(backendUrl('/haproxy/servers'), () =>
        failing ? apiError(500, 'internal', 'internal error') : undefined
      )
    );
    const { user } = renderPage(<ApplicationsPage />, { route: '/applications' });
    await user.click(within(await rowOf('shop')).getByRole('button', { name: /expand/i }));
    const alert = (await screen.findByText('Servers could not be loaded')).closest('[role="alert"]') as HTMLElement;
    failing = false;
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByLabelText('intent: drain (via track: be/x)')).toBeInTheDocument();
  });

  it('explains each unresolved auto-mapping; an Editor maps one in one click through the editor route', async () => {
    const { user } = renderPage(<ApplicationsPage />, { route: '/applications' });
    const section = await review();
    const web2 = (await within(section).findByText('web2')).closest('tr')!;
    expect(web2).toHaveTextContent('host host-a runs several applications and none is named like backend be_web');
    expect(within(section).getByText('db1').closest('tr')).toHaveTextContent(
      'no host has "10.0.0.7" as its name or address'
    );

    await user.click(within(web2).getByRole('button', { name: 'Map web2 to billing' }));
    await waitFor(() => expect(within(section).queryByText('web2')).not.toBeInTheDocument());
    expect(db.requests.find((r) => r.method === 'PUT')).toEqual({
      method: 'PUT',
      path: '/api/plugin-proxy/appcontrol-haproxy-app/editor/api/haproxy/servers/2/mapping',
      body: { application_id: 101 },
    });
  });

  it('two candidates of the same name on different hosts are told apart by their hosts', async () => {
    db.fleet.unresolved[0] = {
      server: db.fleet.servers[1],
      reason: 'ambiguous_host',
      address_key: 'web',
      matched_hosts: ['host-a', 'host-b'],
      candidates: [
        { id: 100, name: 'shop', host_id: 1, host_name: 'host-a' },
        { id: 103, name: 'shop', host_id: 2, host_name: 'host-b' },
      ],
    };
    const { user } = renderPage(<ApplicationsPage />, { route: '/applications' });
    const web2 = (await within(await review()).findByText('web2')).closest('tr')!;
    expect(within(web2).getByRole('button', { name: 'Map web2 to shop on host-a' })).toHaveTextContent(
      'shop on host-a'
    );
    await user.click(within(web2).getByRole('button', { name: 'Map web2 to shop on host-b' }));
    await waitFor(() => expect(db.requests.find((r) => r.method === 'PUT')?.body).toEqual({ application_id: 103 }));
  });

  it('filters the review by kind, kept in the URL', async () => {
    const { user } = renderPage(<ApplicationsPage />, { route: '/applications' });
    const section = await review();
    await within(section).findByText('db1');
    await user.click(within(section).getByRole('radio', { name: 'Ambiguous' }));
    await waitFor(() => expect(within(section).queryByText('db1')).not.toBeInTheDocument());
    expect(within(section).getByText('web2')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/applications?review=ambiguous');
  });

  it('mapping the last server of the last review page shows the page before, not an empty one', async () => {
    // 51 servers to review: page 2 holds one; the backend pages the review by limit and offset.
    const candidates = db.fleet.unresolved[0].candidates;
    db.fleet.unresolved = Array.from({ length: 51 }, (_, i) => {
      const s = makeServer({
        server_name: `srv${String(i + 1).padStart(2, '0')}`,
        backend_id: 11,
        backend_name: 'be_web',
        instance_id: 1,
        instance_name: 'haproxy-1',
      });
      db.fleet.servers.push(s);
      return { server: s, reason: 'ambiguous_application' as const, address_key: 'x', matched_hosts: [], candidates };
    });
    server.use(
      http.get(backendUrl('/haproxy/mappings/unresolved'), ({ request }) => {
        const sp = new URL(request.url).searchParams;
        const offset = Number(sp.get('offset') ?? 0);
        const limit = Number(sp.get('limit') ?? 50);
        const all = db.fleet.unresolved;
        return Response.json({ servers: all.slice(offset, offset + limit), total: all.length });
      })
    );
    const { user } = renderPage(<ApplicationsPage />, { route: '/applications?page=2' });
    const section = await review();
    await user.click(await within(section).findByRole('button', { name: 'Map srv51 to billing' }));
    // 50 left: page 2 no longer exists, page 1 is shown.
    expect(await within(section).findByText('srv01')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/applications$/);
  });

  it('a Viewer reads it all and gets no map, create, edit or delete control', async () => {
    setUserRole('Viewer');
    renderPage(<ApplicationsPage />, { route: '/applications' });
    const section = await review();
    await within(section).findByText('web2');
    expect(within(section).queryByRole('button', { name: /Map web2/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create application' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit shop' })).not.toBeInTheDocument();
  });

  it('an Admin creates an application on a host; a duplicate shows under its name, nothing typed is lost', async () => {
    setUserRole('Admin');
    server.use(
      http.post(backendUrl('/applications'), () =>
        apiError(409, 'conflict', 'already exists: Key (COALESCE(host_id, 0), name)=(1, shop) already exists.')
      )
    );
    const { user } = renderPage(<ApplicationsPage />, { route: '/applications' });
    await user.click(await screen.findByRole('button', { name: 'Create application' }));
    const dialog = await findDialog();
    await user.type(within(dialog).getByLabelText(/^Name/), 'shop');
    await user.click(within(dialog).getByRole('button', { name: 'Create application' }));
    expect(await within(dialog).findByText('already exists')).toBeInTheDocument();
    expect(within(dialog).getByLabelText(/^Name/)).toHaveValue('shop');

    server.resetHandlers();
    await user.type(within(dialog).getByLabelText(/^Name/), '-2');
    await user.click(within(dialog).getByRole('button', { name: 'Create application' }));
    expect(await rowOf('shop-2')).toBeInTheDocument();
    expect(db.requests.find((r) => r.method === 'POST' && r.path.endsWith('/applications'))?.path).toBe(
      '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/applications'
    );
  });

  it('an Admin deletes an application after being told its servers become unmapped', async () => {
    setUserRole('Admin');
    const { user } = renderPage(<ApplicationsPage />, { route: '/applications' });
    await user.click(within(await rowOf('shop')).getByRole('button', { name: 'Delete shop' }));
    const dialog = await findDialog();
    expect(dialog).toHaveTextContent('Its 1 mapped server become unmapped');
    await user.click(within(dialog).getByRole('button', { name: 'Delete application' }));
    await waitFor(() => expect(db.fleet.applications.map((a) => a.name)).not.toContain('shop'));
  });
});
