import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { db } from '../../test/handlers';
import { renderPage } from '../../test/render';
import HostDetailsPage from './HostDetails';

const backendRequests = () => db.requests.filter((r) => r.path.includes('/backends'));

describe('Host details page', () => {
  it('shows the host and opens the HAProxy settings modal with its instances', async () => {
    const { user } = renderPage(<HostDetailsPage />, { route: '/hosts/1', path: '/hosts/:id' });
    expect(await screen.findByText('http://host-a:9000', { exact: false })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'HAProxy settings' }));

    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByText('1 HAProxy instance')).toBeInTheDocument();
    expect(db.requests).toContainEqual(
      expect.objectContaining({ path: '/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/instances?server_id=1' })
    );
    expect(within(dialog).getByText('haproxy-1')).toBeInTheDocument();
    expect(within(dialog).getByText('in sync')).toBeInTheDocument();
    expect(within(dialog).getByText('2 backends')).toBeInTheDocument();
  });

  it('loads an instance’s backends only when it is expanded', async () => {
    const { user } = renderPage(<HostDetailsPage />, { route: '/hosts/1', path: '/hosts/:id' });
    await user.click(await screen.findByRole('button', { name: 'HAProxy settings' }));
    const dialog = await screen.findByRole('dialog');
    await within(dialog).findByText('haproxy-1');
    expect(backendRequests()).toHaveLength(0);
    expect(within(dialog).queryByText('be_web')).not.toBeInTheDocument();

    await user.click(within(dialog).getByRole('button', { expanded: false }));
    expect(await within(dialog).findByText('be_web')).toBeInTheDocument();
    expect(within(dialog).getByText('be_api')).toBeInTheDocument();
    expect(backendRequests()).toEqual([
      expect.objectContaining({ path: '/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/instances/1/backends' }),
    ]);
    const web = within(dialog).getByText('be_web').closest('tr')!;
    expect(web).toHaveTextContent('3');
    expect(web).toHaveTextContent('DOWN 1');
  });

  it('says so when the host has no instance', async () => {
    db.fleet.instances = db.fleet.instances.filter((i) => i.host_id !== 2);
    const { user } = renderPage(<HostDetailsPage />, { route: '/hosts/2', path: '/hosts/:id' });
    await user.click(await screen.findByRole('button', { name: 'HAProxy settings' }));
    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByText('0 HAProxy instances')).toBeInTheDocument();
    expect(within(dialog).getByText('No HAProxy instance is registered on this host.')).toBeInTheDocument();
  });

  it('shows "not found" for an unknown host', async () => {
    renderPage(<HostDetailsPage />, { route: '/hosts/99', path: '/hosts/:id' });
    expect(await screen.findByText('Host not found')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'HAProxy settings' })).not.toBeInTheDocument());
  });
});
