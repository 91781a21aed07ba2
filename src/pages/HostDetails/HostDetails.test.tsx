import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import type { SuspiciousAnswer } from '../../api/types';
import { toasts } from '../../test/appEvents';
import { apiError, backendUrl, db } from '../../test/handlers';
import { renderPage, setUserRole } from '../../test/render';
import { findDialog } from '../../test/dialog';
import { server } from '../../test/server';
import HostDetailsPage from './HostDetails';

const backendRequests = () => db.requests.filter((r) => r.path.includes('/backends'));

describe('Host details page', () => {
  it('shows the host and opens the HAProxy settings modal with its instances', async () => {
    const { user } = renderPage(<HostDetailsPage />, { route: '/hosts/1', path: '/hosts/:id' });
    expect(await screen.findByText('http://host-a:9000', { exact: false })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'HAProxy settings' }));

    const dialog = await findDialog();
    expect(await within(dialog).findByText('1 HAProxy instance')).toBeInTheDocument();
    expect(db.requests).toContainEqual(
      expect.objectContaining({ path: '/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/instances?server_id=1' })
    );
    expect(within(dialog).getByText('haproxy-1')).toBeInTheDocument();
    expect(within(dialog).getByText('in sync')).toBeInTheDocument();
    expect(within(dialog).getByText('2 backends')).toBeInTheDocument();
  });

  it("links an Admin to the host's changes in the change log; an Editor gets no link", async () => {
    setUserRole('Admin');
    const view = renderPage(<HostDetailsPage />, { route: '/hosts/1', path: '/hosts/:id' });
    expect(await screen.findByRole('link', { name: 'Changes' })).toHaveAttribute(
      'href',
      '/a/appcontrol-haproxy-app/changes?entity_kind=host&entity_id=1'
    );
    view.unmount();
    setUserRole('Editor');
    renderPage(<HostDetailsPage />, { route: '/hosts/1', path: '/hosts/:id' });
    await screen.findByText('http://host-a:9000', { exact: false });
    expect(screen.queryByRole('link', { name: 'Changes' })).toBeNull();
  });

  it('loads an instance’s backends only when it is expanded', async () => {
    const { user } = renderPage(<HostDetailsPage />, { route: '/hosts/1', path: '/hosts/:id' });
    await user.click(await screen.findByRole('button', { name: 'HAProxy settings' }));
    const dialog = await findDialog();
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
    const dialog = await findDialog();
    expect(await within(dialog).findByText('0 HAProxy instances')).toBeInTheDocument();
    expect(within(dialog).getByText('No HAProxy instance is registered on this host.')).toBeInTheDocument();
  });

  it('instances out of reach while the host answers: the banner says so and Retry brings them back', async () => {
    let down = true;
    server.use(
      http.get(backendUrl('/haproxy/instances'), () =>
        down ? HttpResponse.json({ message: 'Bad Gateway' }, { status: 502 }) : undefined
      )
    );
    const { user } = renderPage(<HostDetailsPage />, { route: '/hosts/1', path: '/hosts/:id' });
    expect(await screen.findByText('The HAProxy Control backend is unreachable')).toBeInTheDocument();
    down = false;
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('listitem', { name: 'Instance haproxy-1' })).toBeInTheDocument();
  });

  it('instances that failed to load say so with Retry, which loads them again', async () => {
    let failing = true;
    server.use(
      http.get(backendUrl('/haproxy/instances'), () =>
        failing ? apiError(500, 'internal', 'internal error') : undefined
      )
    );
    const { user } = renderPage(<HostDetailsPage />, { route: '/hosts/1', path: '/hosts/:id' });
    const alert = (await screen.findByText('Instances could not be loaded')).closest('[role="alert"]') as HTMLElement;
    expect(alert).toHaveTextContent('internal error');
    failing = false;
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('listitem', { name: 'Instance haproxy-1' })).toBeInTheDocument();
    expect(screen.queryByText('Instances could not be loaded')).not.toBeInTheDocument();
  });

  it('shows "not found" for an unknown host', async () => {
    renderPage(<HostDetailsPage />, { route: '/hosts/99', path: '/hosts/:id' });
    expect(await screen.findByText('Host not found')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('button', { name: 'HAProxy settings' })).not.toBeInTheDocument());
  });
});

describe('Host details page: administration', () => {
  const openHost = (id = 1) => renderPage(<HostDetailsPage />, { route: `/hosts/${id}`, path: '/hosts/:id' });
  const instanceCard = (name: string) => screen.findByRole('listitem', { name: `Instance ${name}` });
  const ADMIN_BUTTONS = ['Test agent', 'Edit host', 'Deactivate host', 'Delete host', 'Add instance'];

  it.each([
    ['Viewer', [], []],
    ['Editor', [], ['Sync haproxy-1 now']],
    ['Admin', ADMIN_BUTTONS, ['Sync haproxy-1 now', 'Edit haproxy-1', 'Deactivate haproxy-1', 'Delete haproxy-1']],
  ] as const)('a %s sees only the controls the proxy lets through', async (role, hostButtons, instanceButtons) => {
    setUserRole(role);
    openHost();
    const card = await instanceCard('haproxy-1');
    for (const name of ADMIN_BUTTONS) {
      expect(screen.queryAllByRole('button', { name })).toHaveLength(
        (hostButtons as readonly string[]).includes(name) ? 1 : 0
      );
    }
    expect(
      within(card)
        .queryAllByRole('button')
        .map((b) => b.getAttribute('aria-label'))
    ).toEqual(instanceButtons);
  });

  it('"Test agent" tests the saved host and shows each instance', async () => {
    setUserRole('Admin');
    const { user } = openHost();
    await user.click(await screen.findByRole('button', { name: 'Test agent' }));
    const result = await screen.findByRole('status', { name: 'Agent test result' });
    expect(result).toHaveTextContent('Agent answered for 1 instance');
    expect(result).toHaveTextContent('HAProxy 2.6.12');
    expect(result).toHaveTextContent('haproxy-1');
    expect(db.requests.at(-1)?.path).toBe('/api/plugin-proxy/appcontrol-haproxy-app/admin/api/hosts/1/test');
  });

  it('deleting a host says what goes with it, wants its name typed, and offers to deactivate instead', async () => {
    setUserRole('Admin');
    const { user } = openHost();
    await instanceCard('haproxy-1');
    await user.click(screen.getByRole('button', { name: 'Delete host' }));
    const dialog = await findDialog();
    expect(dialog).toHaveTextContent(
      'Its 1 HAProxy instance (haproxy-1) go with it: 2 backends, 5 servers, their status history and trends. The audit log keeps every command on them, by name.'
    );
    expect(within(dialog).getByRole('button', { name: 'Delete host' })).toBeDisabled();

    await user.click(within(dialog).getByRole('button', { name: 'Deactivate instead' }));
    await waitFor(() => expect(db.fleet.hosts[0].is_active).toBe(false));
    expect(db.requests.find((r) => r.method === 'PATCH')).toEqual({
      method: 'PATCH',
      path: '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/hosts/1',
      body: { is_active: false },
    });
    expect(db.fleet.hosts).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Delete host' }));
    const again = await findDialog();
    await user.type(within(again).getByPlaceholderText('Type "host-a" to confirm'), 'host-a');
    await user.click(within(again).getByRole('button', { name: 'Delete host' }));
    await waitFor(() => expect(db.fleet.hosts.map((h) => h.id)).toEqual([2]));
    await waitFor(() => expect(screen.getByTestId('location')).toHaveTextContent('/a/appcontrol-haproxy-app/hosts'));
  });

  it('deleting a host whose instances could not be loaded still counts them and wants its name typed', async () => {
    setUserRole('Admin');
    server.use(http.get(backendUrl('/haproxy/instances'), () => apiError(500, 'internal', 'internal error')));
    const { user } = openHost();
    expect(await screen.findByText('Instances could not be loaded')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Delete host' }));
    const dialog = await findDialog();
    expect(dialog).toHaveTextContent('Its 1 HAProxy instance go with it, with their backends, servers');
    expect(dialog).not.toHaveTextContent('It has no HAProxy instance');
    expect(within(dialog).getByRole('button', { name: 'Delete host' })).toBeDisabled();
    expect(within(dialog).getByPlaceholderText('Type "host-a" to confirm')).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Deactivate instead' })).toBeInTheDocument();
  });

  /** The first instance holds a removal: by default every backend and server the agent stopped listing. */
  const holdRemoval = (o: Partial<SuspiciousAnswer>) => {
    db.fleet.instances[0].suspicious_answer = {
      since: '2025-01-01T10:00:00.000Z',
      consecutive: 1,
      required: 3,
      backends_removed: 2,
      backends_total: 2,
      servers_removed: 5,
      servers_total: 5,
      share: 1,
      message: 'the agent listed no backend at all',
      ...o,
    };
  };

  it('a held removal is shown on the instance; an admin confirms it through the admin route', async () => {
    holdRemoval({});
    setUserRole('Editor');
    const { unmount } = openHost();
    const seen = await instanceCard('haproxy-1');
    expect(within(seen).getByText('removal held')).toBeInTheDocument();
    expect(within(seen).getByText('the agent listed no backend at all')).toBeInTheDocument();
    expect(within(seen).queryByRole('button', { name: 'Confirm removal' })).not.toBeInTheDocument();
    unmount();

    setUserRole('Admin');
    const { user } = openHost();
    const card = await instanceCard('haproxy-1');
    expect(card).toHaveTextContent('2 of 2 backends and 5 of 5 servers (100%)');
    expect(card).toHaveTextContent('Seen on 1 of the 3 syncs in a row');
    await user.click(within(card).getByRole('button', { name: 'Confirm removal' }));
    await user.click(within(await findDialog()).getByRole('button', { name: 'Confirm removal' }));
    await waitFor(() => expect(toasts.at(-1)?.payload[0]).toBe('Removal confirmed on haproxy-1'));
    expect(db.requests.find((r) => r.path.endsWith('/removals/confirm'))).toMatchObject({
      method: 'POST',
      path: '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/haproxy/instances/1/removals/confirm',
    });
    await waitFor(() => expect(screen.queryByText('removal held')).not.toBeInTheDocument());
  });

  it('a held removal without counts still says what confirming takes, in the alert and in the dialog', async () => {
    holdRemoval({
      consecutive: 2,
      backends_removed: 0,
      backends_total: 0,
      servers_removed: 0,
      servers_total: 0,
      share: 0.6,
      message: 'the answer would remove 60% at once',
    });
    setUserRole('Admin');
    const { user } = openHost();
    const card = await instanceCard('haproxy-1');
    expect(card).toHaveTextContent('would remove what it no longer lists (60%)');
    await user.click(within(card).getByRole('button', { name: 'Confirm removal' }));
    expect(await findDialog()).toHaveTextContent('no longer lists (60% of what it listed) leave');
  });

  it('an admin adds an instance; the backend’s refusal shows in the form and nothing typed is lost', async () => {
    server.use(
      http.post(backendUrl('/haproxy/instances'), () =>
        apiError(409, 'conflict', 'already exists: Key (host_id, name)=(1, haproxy-1) already exists.')
      )
    );
    setUserRole('Admin');
    const { user } = openHost();
    await user.click(await screen.findByRole('button', { name: 'Add instance' }));
    const dialog = await findDialog();
    await user.type(within(dialog).getByLabelText(/^Name/), 'haproxy-1');
    await user.click(within(dialog).getByRole('button', { name: 'Add instance' }));
    expect(await within(dialog).findByText('already exists')).toBeInTheDocument();
    expect(within(dialog).getByLabelText(/^Name/)).toHaveValue('haproxy-1');

    server.resetHandlers();
    await user.clear(within(dialog).getByLabelText(/^Name/));
    await user.type(within(dialog).getByLabelText(/^Name/), 'haproxy-9');
    await user.click(within(dialog).getByRole('button', { name: 'Add instance' }));
    expect(await screen.findByRole('listitem', { name: 'Instance haproxy-9' })).toBeInTheDocument();
  });
});
