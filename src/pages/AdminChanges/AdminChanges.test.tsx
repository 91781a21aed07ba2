import React from 'react';
import { http } from 'msw';
import { screen, waitFor, within } from '@testing-library/react';
import { makeAdminChange } from '../../test/fixtures';
import { apiError, backendUrl, db, unreachableHandler } from '../../test/handlers';
import { renderPage, setUserRole } from '../../test/render';
import { server } from '../../test/server';
import AdminChangesPage from './AdminChanges';

const changeRequests = () => db.requests.filter((r) => r.path.includes('/api/admin/changes'));
const lastQuery = () => new URL(`http://x${changeRequests().at(-1)!.path}`).searchParams;
const row = (text: string) => screen.getByText(text).closest('tr')!;

describe('Change log page', () => {
  beforeEach(() => {
    setUserRole('Admin');
    db.fleet.adminChanges = [
      makeAdminChange(1, {
        action: 'created',
        entity_kind: 'application',
        entity_id: 100,
        entity_name: 'shop',
        summary: 'application shop created',
        before: null,
        after: { name: 'shop', host_id: 1, aliases: ['web', 'www'], description: null },
      }),
      makeAdminChange(2, {
        actor: 'token:deploy',
        entity_kind: 'instance',
        entity_id: 2,
        entity_name: 'haproxy-2',
        summary: 'instance haproxy-2 updated',
        before: { is_active: true, backend_scope: null },
        after: { is_active: false, backend_scope: ['be_*'] },
      }),
      makeAdminChange(3, {
        actor: 'cli',
        action: 'deleted',
        entity_kind: 'host',
        entity_id: 9,
        entity_name: 'host-old',
        summary: 'host host-old deleted',
        before: { name: 'host-old', fagent_token: 'set' },
        after: null,
      }),
      makeAdminChange(4, {
        action: 'budget_set',
        entity_kind: 'backend',
        entity_id: 11,
        entity_name: 'haproxy-1/be_web',
        summary: 'budget of backend haproxy-1/be_web set',
        before: { min_available: 1 },
        after: { min_available: '50%' },
      }),
      makeAdminChange(5, {
        action: 'mapping_set',
        entity_kind: 'server',
        entity_id: 7,
        entity_name: 'haproxy-1/be_web/web1',
        summary: 'server haproxy-1/be_web/web1 mapped to shop',
        before: { application_id: null },
        after: { application_id: 100 },
      }),
    ];
  });
  afterEach(() => setUserRole('Admin'));

  it('lists the changes newest first with actor, entity, action, summary and each field before → after', async () => {
    const { user } = renderPage(<AdminChangesPage />, { route: '/changes' });
    await screen.findByText('haproxy-1/be_web/web1');
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[5].textContent)).toEqual([
      'server haproxy-1/be_web/web1 mapped to shop',
      'budget of backend haproxy-1/be_web set',
      'host host-old deleted',
      'instance haproxy-2 updated',
      'application shop created',
    ]);

    const update = row('instance haproxy-2 updated');
    expect(update).toHaveTextContent('token:deploy');
    expect(update).toHaveTextContent('Instance');
    expect(update).toHaveTextContent('updated');
    expect(within(update).getByText('is_active: true → false')).toBeInTheDocument();
    expect(within(update).getByText('backend_scope: — → ["be_*"]')).toBeInTheDocument();
    expect(within(row('budget of backend haproxy-1/be_web set')).getByText('min_available: 1 → 50%')).toBeVisible();
    // A creation shows the values it set, a deletion the values it took away.
    expect(within(row('application shop created')).getByText('name: shop')).toBeInTheDocument();
    expect(within(row('application shop created')).getByText('+1 more (expand the row)')).toBeInTheDocument();
    expect(within(row('host host-old deleted')).getByText('fagent_token: set')).toBeInTheDocument();

    // The expanded row has every field.
    await user.click(within(row('application shop created')).getByRole('button', { name: /Toggle row expanded/ }));
    const details = await screen.findByRole('table', { name: 'Fields of change 1' });
    expect(within(details).getByRole('row', { name: 'description — —' })).toBeInTheDocument();
    expect(within(details).getByRole('row', { name: 'aliases — ["web","www"]' })).toBeInTheDocument();

    // Entities link to their page where they have one (a backend has none, a deleted host is gone).
    const link = (text: string) => screen.getByRole('link', { name: text }).getAttribute('href');
    expect(link('shop')).toBe('/a/appcontrol-haproxy-app/applications/100');
    expect(link('haproxy-2')).toBe('/a/appcontrol-haproxy-app/haproxy?instance=2');
    expect(link('haproxy-1/be_web/web1')).toBe('/a/appcontrol-haproxy-app/servers/7');
    expect(screen.queryByRole('link', { name: 'host-old' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'haproxy-1/be_web' })).toBeNull();
    expect(screen.getByText('5 of 5 changes')).toBeInTheDocument();

    // Read with the admin token, through the Admin-only proxy route; all time by default.
    expect(changeRequests()[0].path).toMatch(
      /^\/api\/plugin-proxy\/appcontrol-haproxy-app\/admin\/api\/admin\/changes\?/
    );
    expect(lastQuery().get('since')).toBeNull();
    expect(lastQuery().get('limit')).toBe('50');
  });

  it('filters by entity kind, action, actor and time range through the API and keeps them in the URL', async () => {
    const { user } = renderPage(<AdminChangesPage />, { route: '/changes' });
    await screen.findByText('haproxy-1/be_web/web1');

    await user.click(screen.getByLabelText('Entity'));
    await user.click(await screen.findByRole('option', { name: 'Instance' }));
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(2));
    expect(lastQuery().get('entity_kind')).toBe('instance');
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/changes\?entity_kind=instance$/);

    await user.click(screen.getByLabelText('Entity'));
    await user.click(await screen.findByRole('option', { name: 'Host' }));
    await user.click(screen.getByLabelText('Action'));
    await user.click(await screen.findByRole('option', { name: /^deleted/ }));
    await waitFor(() => expect(lastQuery().get('action')).toBe('deleted'));
    expect(await screen.findByText('host-old')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/changes\?entity_kind=host&action=deleted$/);

    await user.type(screen.getByLabelText('Actor'), 'grafana:bob{Enter}');
    expect(await screen.findByText('No change matches these filters')).toBeInTheDocument();
    expect(lastQuery().get('actor')).toBe('grafana:bob');
    expect(screen.getByTestId('location')).toHaveTextContent('actor=grafana%3Abob');

    await user.click(screen.getByLabelText('Time range'));
    await user.click(await screen.findByText('Last 7d'));
    await waitFor(() => expect(lastQuery().get('since')).not.toBeNull());
    const since = Date.parse(lastQuery().get('since')!);
    expect(Math.abs(Date.now() - 7 * 24 * 3600e3 - since)).toBeLessThan(60e3);
    expect(screen.getByTestId('location')).toHaveTextContent('range=7d');
  });

  it("one entity's changes from its link: named in the filter bar, which clears it", async () => {
    db.fleet.adminChanges.push(makeAdminChange(6, { summary: 'host host-a renamed' }));
    const { user } = renderPage(<AdminChangesPage />, { route: '/changes?entity_kind=host&entity_id=1' });
    expect(await screen.findByText('host host-a renamed')).toBeInTheDocument();
    expect(screen.getAllByRole('row')).toHaveLength(2);
    expect(lastQuery().get('entity_kind')).toBe('host');
    expect(lastQuery().get('entity_id')).toBe('1');
    expect(screen.getByRole('link', { name: 'host-a' })).toHaveAttribute('href', '/a/appcontrol-haproxy-app/hosts/1');

    await user.click(screen.getByRole('button', { name: 'Host: host-a' }));
    await screen.findByText('host host-old deleted');
    expect(lastQuery().get('entity_id')).toBeNull();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/changes\?entity_kind=host$/);
  });

  it('loads more a page at a time after the last one shown, and new filters start again at the top', async () => {
    db.fleet.adminChanges = Array.from({ length: 120 }, (_, i) =>
      makeAdminChange(i + 1, { summary: `change ${i + 1}` })
    );
    const { user } = renderPage(<AdminChangesPage />, { route: '/changes' });
    await screen.findByText('change 120');
    expect(screen.getAllByRole('row')).toHaveLength(51);
    expect(screen.getByText('50 of 120 changes')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('change 30');
    expect(screen.getAllByRole('row')).toHaveLength(101);
    expect(JSON.parse(atob(lastQuery().get('after')!))).toEqual([71]);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('change 1');
    expect(screen.getAllByRole('row')).toHaveLength(121);
    expect(screen.getByText('120 of 120 changes')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    await user.click(screen.getByLabelText('Action'));
    await user.click(await screen.findByRole('option', { name: /^updated/ }));
    await waitFor(() => expect(lastQuery().get('action')).toBe('updated'));
    expect(lastQuery().get('after')).toBeNull();
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(51));
  });

  it('a failed "Load more" keeps what is shown and retries the same page', async () => {
    db.fleet.adminChanges = Array.from({ length: 60 }, (_, i) =>
      makeAdminChange(i + 1, { summary: `change ${i + 1}` })
    );
    const { user } = renderPage(<AdminChangesPage />, { route: '/changes' });
    await screen.findByText('change 60');
    server.use(
      http.get(backendUrl('/admin/changes'), () => apiError(503, 'query_timeout', 'the query took too long'), {
        once: true,
      })
    );
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('More changes could not be loaded')).toBeInTheDocument();
    expect(screen.getByText('the query took too long')).toBeInTheDocument();
    expect(screen.getAllByRole('row')).toHaveLength(51);

    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByText('change 1');
    expect(screen.getAllByRole('row')).toHaveLength(61);
    expect(screen.queryByText('More changes could not be loaded')).toBeNull();
    const afters = changeRequests().map((r) => new URL(`http://x${r.path}`).searchParams.get('after'));
    expect(afters.slice(1)).toEqual([afters[1], afters[1]]);
  });

  it('an error says why and Retry asks again', async () => {
    server.use(
      http.get(backendUrl('/admin/changes'), () => apiError(503, 'query_timeout', 'the query took too long'), {
        once: true,
      })
    );
    const { user } = renderPage(<AdminChangesPage />, { route: '/changes' });
    expect(await screen.findByText('Changes could not be loaded')).toBeInTheDocument();
    expect(screen.getByText('the query took too long')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('host host-old deleted')).toBeInTheDocument();
    expect(screen.queryByText('Changes could not be loaded')).toBeNull();
  });

  it('a backend out of reach is the connection banner', async () => {
    server.use(unreachableHandler);
    renderPage(<AdminChangesPage />, { route: '/changes' });
    expect(await screen.findByText('The HAProxy Control backend is unreachable')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  it('an empty log says so, and Refresh asks again', async () => {
    db.fleet.adminChanges = [];
    const { user } = renderPage(<AdminChangesPage />, { route: '/changes' });
    expect(await screen.findByText('No administrative change recorded yet')).toBeInTheDocument();
    db.fleet.adminChanges.push(makeAdminChange(1));
    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(await screen.findByText('host host-a updated')).toBeInTheDocument();
  });

  it.each(['Viewer', 'Editor'] as const)('the %s role is told it is for Admins, and nothing is asked', async (role) => {
    setUserRole(role);
    renderPage(<AdminChangesPage />, { route: '/changes' });
    expect(await screen.findByText('Admins only')).toBeInTheDocument();
    expect(changeRequests()).toEqual([]);
  });
});
