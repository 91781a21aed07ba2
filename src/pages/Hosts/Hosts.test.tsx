import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { db, PROXY } from '../../test/handlers';
import { renderPage, setUserRole } from '../../test/render';
import { findDialog } from '../../test/dialog';
import { server } from '../../test/server';
import HostsPage from './Hosts';

describe('Hosts page', () => {
  it('lists the hosts with links to their details', async () => {
    renderPage(<HostsPage />, { route: '/hosts' });
    const link = await screen.findByRole('link', { name: 'host-a' });
    expect(link).toHaveAttribute('href', '/a/appcontrol-haproxy-app/hosts/1');
    const row = link.closest('tr')!;
    expect(within(row).getByText('http://host-a:9000')).toBeInTheDocument();
    expect(within(row).getByText('active')).toBeInTheDocument();
  });

  it('shows an empty state when no host is registered', async () => {
    db.fleet.hosts = [];
    renderPage(<HostsPage />, { route: '/hosts' });
    expect(await screen.findByText('No hosts registered yet')).toBeInTheDocument();
  });

  it('the unreachable banner retries: once the backend is back, the page comes back without a browser reload', async () => {
    let asked = 0;
    server.use(
      http.all(`${PROXY}/*`, () => {
        asked++;
        return HttpResponse.json({ message: 'Bad Gateway' }, { status: 502 });
      })
    );
    const { user } = renderPage(<HostsPage />, { route: '/hosts' });
    expect(await screen.findByText('The HAProxy Control backend is unreachable')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    // Still down: asked again, the banner stays and nothing spins.
    await waitFor(() => expect(asked).toBe(2));
    expect(screen.getByText('The HAProxy Control backend is unreachable')).toBeInTheDocument();
    expect(screen.queryByText('Loading hosts...')).not.toBeInTheDocument();

    server.resetHandlers();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('link', { name: 'host-a' })).toBeInTheDocument();
    expect(screen.queryByText('The HAProxy Control backend is unreachable')).not.toBeInTheDocument();
  });

  it('shows the token banner when the backend refuses the token', async () => {
    server.use(http.get(`${PROXY}/api/hosts`, () => new HttpResponse(null, { status: 401 })));
    renderPage(<HostsPage />, { route: '/hosts' });
    expect(await screen.findByText('The backend rejected the API token')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('only admins may register a host; the first one from the empty state', async () => {
    db.fleet.hosts = [];
    const { unmount } = renderPage(<HostsPage />, { route: '/hosts' });
    expect(
      await screen.findByText('Hosts (machines running FAgent) are registered by a Grafana admin.')
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Register host' })).not.toBeInTheDocument();
    unmount();

    setUserRole('Admin');
    const { user } = renderPage(<HostsPage />, { route: '/hosts' });
    await user.click(await screen.findByRole('button', { name: 'Register host' }));
    const dialog = await findDialog();
    await user.type(within(dialog).getByLabelText(/^Name/), 'lb1');
    await user.type(within(dialog).getByLabelText(/^Address/), '10.0.0.10');
    await user.type(within(dialog).getByLabelText(/^FAgent URL/), 'http://10.0.0.10:9102');
    await user.click(within(dialog).getByRole('button', { name: 'Register host' }));
    // On to the new host's page, where its instances are added.
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/a/appcontrol-haproxy-app/hosts/1'));
    expect(db.fleet.hosts.map((h) => h.name)).toEqual(['lb1']);
  });
});
