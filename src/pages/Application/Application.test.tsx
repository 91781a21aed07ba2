import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { http } from 'msw';
import { apiError, backendUrl, db } from '../../test/handlers';
import { server } from '../../test/server';
import { renderPage, setUserRole } from '../../test/render';
import { findDialog } from '../../test/dialog';
import { makeOperation } from '../../test/guardFixtures';
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

  it.each(['abc', '0', '99999999999'])(
    'an id no application can have (%s) is "not found", asking nothing',
    async (id) => {
      setUserRole('Viewer');
      renderPage(<ApplicationPage />, { route: `/applications/${id}`, path: '/applications/:id' });
      expect(await screen.findByText('Application not found')).toBeInTheDocument();
      expect(screen.getByRole('link', { name: 'All applications' })).toBeInTheDocument();
      expect(db.requests.filter((r) => r.path.includes('application'))).toEqual([]);
    }
  );

  it('an application deleted meanwhile (404) is "not found"', async () => {
    setUserRole('Viewer');
    renderPage(<ApplicationPage />, { route: '/applications/4242', path: '/applications/:id' });
    expect(await screen.findByText('Application not found')).toBeInTheDocument();
  });

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
    // viewers neither act nor set budgets, nor read the change log
    expect(screen.queryByRole('button', { name: 'Rolling drain' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Changes' })).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/^Minimum available of application shop/)).not.toBeInTheDocument();
  });

  it('an Admin sets the application minimum; one above its servers is refused in words', async () => {
    setUserRole('Admin');
    const { user } = renderShop();
    const input = await screen.findByLabelText(/^Minimum available of application shop/);
    await user.type(input, '9');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText('min_available 9 is more than the 3 servers of the application that can serve at once')
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

  it("links an Admin to the application's changes in the change log", async () => {
    setUserRole('Admin');
    renderShop();
    expect(await screen.findByRole('link', { name: 'Changes' })).toHaveAttribute(
      'href',
      '/a/appcontrol-haproxy-app/changes?entity_kind=application&entity_id=100'
    );
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
    expect(preview).toHaveTextContent('1 server would be taken out, 2 refused');
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

  describe('its jobs', () => {
    /** A rolling drain of shop's three servers, queued or running. */
    function shopDrain(state: 'queued' | 'running') {
      const targets = db.fleet.servers.filter((x) => x.application_id === 100);
      const op = makeOperation(
        `op-${state}`,
        { action: 'drain', application_id: 100, max_parallel: 1 },
        targets.map((server) => ({ server, would: 'take_out' as const })),
        'alice'
      );
      op.state = state;
      db.fleet.operations.push(op);
      return op;
    }
    const serverReads = () => db.requests.filter((r) => r.path.includes('/haproxy/servers?')).length;

    it('shows a queued job of its servers, not only running ones', async () => {
      shopDrain('queued');
      renderShop();
      const jobs = await screen.findByRole('region', { name: 'Running and queued jobs' });
      expect(await within(jobs).findByRole('region', { name: 'Job Rolling drain of 3 servers queued' })).toBeVisible();
    });

    it('says when its jobs could not be loaded, with Retry', async () => {
      let failing = true;
      server.use(
        http.get(backendUrl('/haproxy/operations'), () =>
          failing ? apiError(500, 'internal', 'internal error') : undefined
        )
      );
      shopDrain('running');
      const { user } = renderShop();
      const alert = (await screen.findByText('Its jobs could not be loaded')).closest('[role="alert"]') as HTMLElement;
      failing = false;
      await user.click(within(alert).getByRole('button', { name: 'Retry' }));
      expect(await screen.findByRole('region', { name: 'Job Rolling drain of 3 servers running' })).toBeVisible();
    });

    it('refreshes its servers while one of its jobs runs, once more when it ends, then no more', async () => {
      const op = shopDrain('running');
      renderShop();
      await screen.findByRole('region', { name: 'Running and queued jobs' });
      const api1 = db.fleet.servers.find((x) => x.server_name === 'api1')!;
      Object.assign(api1, { status: 'DRAIN', raw_status: 'DRAIN', admin_state: 'drain' });
      expect(await screen.findByLabelText('DRAIN (DRAIN)', {}, { timeout: 7000 })).toBeInTheDocument();

      op.state = 'succeeded';
      Object.assign(api1, { status: 'MAINT', raw_status: 'MAINT', admin_state: 'maint', maint_source: 'forced' });
      await waitFor(() => expect(screen.queryByRole('region', { name: 'Running and queued jobs' })).toBeNull(), {
        timeout: 7000,
      });
      expect(await screen.findByLabelText('MAINT (MAINT)')).toBeInTheDocument();
      const reads = serverReads();
      await new Promise((resolve) => setTimeout(resolve, 5500));
      expect(serverReads()).toBe(reads);
    }, 30_000);
  });
});
