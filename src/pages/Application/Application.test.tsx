import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { http } from 'msw';
import { apiError, backendUrl, db } from '../../test/handlers';
import { server } from '../../test/server';
import { renderPage, setUserRole } from '../../test/render';
import { findDialog } from '../../test/dialog';
import ApplicationPage from './Application';

/** shop: web1 (the one available server of be_web), api1 (likewise of be_api) and api2 (in maintenance). */
function mapShop() {
  for (const s of db.fleet.servers.filter((x) => ['api1', 'api2'].includes(x.server_name))) {
    Object.assign(s, { application_id: 100, application_name: 'shop', mapping_kind: 'manual' });
  }
}

const renderShop = () => renderPage(<ApplicationPage />, { route: '/applications/100', path: '/applications/:id' });
const posts = () => db.requests.filter((r) => r.method !== 'GET');

describe('Application page', () => {
  beforeEach(mapShop);

  it("shows its servers by backend with each backend's budget and its own, names linking to the server page", async () => {
    setUserRole('Viewer');
    renderShop();
    const web = await screen.findByRole('region', { name: 'Backend be_web on haproxy-1' });
    expect(within(web).getByLabelText('Budget of backend be_web')).toHaveTextContent(
      'ok 1 available, minimum 1 (default)'
    );
    expect(within(web).getByRole('link', { name: 'web1' })).toHaveAttribute(
      'href',
      `/a/appcontrol-haproxy-app/servers/${db.fleet.servers[0].id}`
    );
    const api = screen.getByRole('region', { name: 'Backend be_api on haproxy-1' });
    expect(
      within(api)
        .getAllByRole('link')
        .map((a) => a.textContent)
    ).toEqual(['api1', 'api2']);
    expect(screen.getByLabelText('Budget of application shop')).toHaveTextContent('2 available, no minimum');
    // viewers neither act nor set budgets
    expect(screen.queryByRole('button', { name: 'Rolling drain' })).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/^Minimum available of application shop/)).not.toBeInTheDocument();
  });

  it('an Admin sets the application minimum; one above its servers is refused in words', async () => {
    setUserRole('Admin');
    const { user } = renderShop();
    const input = await screen.findByLabelText(/^Minimum available of application shop/);
    await user.type(input, '9');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText('min_available 9 is more than the 3 servers of the application')
    ).toBeInTheDocument();
    await user.clear(input);
    await user.type(input, '50%');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Budget of application shop')).toHaveTextContent('2 available, minimum 2 (50%)')
    );
    expect(posts().at(-1)).toMatchObject({
      method: 'PUT',
      path: '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/applications/100/budget',
      body: { min_available: '50%' },
    });
  });

  it('a minimum the backend refuses to remove stays in its field, with the refusal under it', async () => {
    setUserRole('Admin');
    db.fleet.minimums.applications[100] = 2;
    server.use(
      http.delete(backendUrl('/applications/:id/budget'), () => apiError(503, 'database_unavailable', 'try again'))
    );
    const { user } = renderShop();
    const input = await screen.findByLabelText(/^Minimum available of application shop/);
    expect(input).toHaveValue('2');
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    expect(await screen.findByText('try again')).toBeInTheDocument();
    expect(input).toHaveValue('2');
    expect(screen.getByLabelText('Budget of application shop')).toHaveTextContent('minimum 2');
  });

  it('a rolling drain shows the dry run for its settings, then starts the job and opens it', async () => {
    const { user } = renderShop();
    await user.click(await screen.findByRole('button', { name: 'Rolling drain' }));
    const dialog = await findDialog();
    const preview = await within(dialog).findByRole('region', { name: 'Dry run' });
    expect(preview).toHaveTextContent('1 server would be taken out, 2 refused by a disruption budget');
    expect(preview).toHaveTextContent('web1: backend be_web of haproxy-1: 1 available, minimum 1; refused web1');
    expect(posts().every((r) => (r.body as { dry_run?: boolean }).dry_run)).toBe(true);

    const parallel = within(dialog).getByLabelText(/^Servers at a time/);
    await user.clear(parallel);
    await user.type(parallel, '0');
    await user.click(within(dialog).getByRole('button', { name: 'Start rolling drain' }));
    expect(within(dialog).getByText('Between 1 and 1000 servers at a time')).toBeInTheDocument();
    await user.clear(parallel);
    await user.type(parallel, '2');
    await user.type(within(dialog).getByLabelText(/^Reason/), 'kernel update');
    await user.click(within(dialog).getByRole('button', { name: 'Start rolling drain' }));

    await waitFor(() => expect(screen.getByTestId('location').textContent).toMatch(/\/operations\/[0-9a-f-]{36}$/));
    expect(posts().at(-1)?.body).toEqual({
      application_id: 100,
      action: 'drain',
      max_parallel: 2,
      reason: 'kernel update',
      deadline_s: 600,
      on_deadline: 'fail',
      then: 'maint',
    });
    expect(db.fleet.operations).toHaveLength(1);
    expect(db.fleet.operations[0].servers.map((s) => [s.server_name, s.state])).toEqual([
      ['web1', 'refused'],
      ['api1', 'refused'],
      ['api2', 'pending'],
    ]);
  });

  it('a force the dialog no longer shows (its dry run failed since) is not sent: the budgets stay checked', async () => {
    const { user } = renderShop();
    await user.click(await screen.findByRole('button', { name: 'Rolling drain' }));
    const dialog = await findDialog();
    await within(dialog).findByRole('region', { name: 'Dry run' });
    await user.click(within(dialog).getByLabelText('Force past the disruption budget'));
    await user.type(within(dialog).getByLabelText(/^Reason/), 'kernel update');

    server.use(
      http.post(backendUrl('/haproxy/operations'), async ({ request }) => {
        const body = (await request.clone().json()) as { dry_run?: boolean };
        return body.dry_run ? apiError(503, 'database_unavailable', 'try again') : undefined;
      })
    );
    const deadline = within(dialog).getByLabelText(/^Deadline/);
    await user.clear(deadline);
    await user.type(deadline, '20');
    expect(await within(dialog).findByText('The dry run failed')).toBeInTheDocument();
    expect(within(dialog).queryByLabelText('Force past the disruption budget')).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Start rolling drain' }));

    await waitFor(() => expect(db.fleet.operations).toHaveLength(1));
    expect(posts().at(-1)?.body).toEqual({
      application_id: 100,
      action: 'drain',
      max_parallel: 1,
      reason: 'kernel update',
      deadline_s: 1200,
      on_deadline: 'fail',
      then: 'maint',
    });
  });
});
