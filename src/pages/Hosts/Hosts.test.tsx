import React from 'react';
import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { db, PROXY } from '../../test/handlers';
import { renderPage } from '../../test/render';
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

  it('shows the token banner when the backend refuses the token', async () => {
    server.use(http.get(`${PROXY}/api/hosts`, () => new HttpResponse(null, { status: 401 })));
    renderPage(<HostsPage />, { route: '/hosts' });
    expect(await screen.findByText('The backend rejected the API token')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });
});
