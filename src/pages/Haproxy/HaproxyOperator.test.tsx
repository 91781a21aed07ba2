import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { backendUrl, db, unreachableHandler } from '../../test/handlers';
import { backendsPage } from '../../test/fleetPages';
import { renderPage } from '../../test/render';
import { server } from '../../test/server';
import { emptyBackend } from '../../test/stateFixtures';
import HaproxyPage from './Haproxy';

/** The HAProxy page as an operator uses it every day: paging, odd URLs, empty states, large counts. */

function renderHaproxy(route = '/haproxy') {
  return renderPage(<HaproxyPage />, { route, path: '/haproxy' });
}

const location = () => screen.getByTestId('location').textContent;
const backendNames = () =>
  within(screen.getByRole('list', { name: 'Backends and servers' }))
    .getAllByRole('listitem')
    .map((i) => i.getAttribute('aria-label')!.split(' ')[1]);
const backendReads = () =>
  db.requests
    .filter((r) => r.path.split('?')[0].endsWith('/api/haproxy/backends'))
    .map((r) => Object.fromEntries(new URL(`http://x${r.path}`).searchParams));

/** `count` more backends without servers on haproxy-2, named bk-1 ... bk-<count> (natural order). */
function addBackends(count: number) {
  db.fleet.emptyBackends = Array.from({ length: count }, (_, i) =>
    emptyBackend({ id: 1000 + i, name: `bk-${i + 1}`, instance_id: 2, instance_name: 'haproxy-2' })
  );
}

describe('HAProxy page: paging', () => {
  it('a page clicked while the one before still loads is not asked for with that one’s cursor (no page twice)', async () => {
    addBackends(120); // haproxy-1's three backends first, then bk-1 ... bk-120: 123 in all, 3 pages
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    server.use(
      http.get(backendUrl('/haproxy/backends'), async ({ request }) => {
        const sp = new URL(request.url).searchParams;
        if (sp.has('after') || sp.has('offset')) {
          // Page 2 is slow (Grafana's proxy under load): the user clicks on meanwhile.
          const page = backendsPage(db.fleet, sp);
          if (page.backends[0]?.name === 'bk-48') {
            await held;
          }
        }
        return HttpResponse.json(backendsPage(db.fleet, sp));
      })
    );
    const { user } = renderHaproxy();
    await waitFor(() => expect(backendNames()).toHaveLength(50));
    expect(backendNames()[49]).toBe('bk-47');
    await user.click(screen.getByRole('button', { name: '2' }));
    await waitFor(() => expect(backendReads()).toHaveLength(2));
    await user.click(screen.getByRole('button', { name: '3' }));
    release();
    await waitFor(() => expect(screen.getByText('123 backends — page 3 of 3')).toBeInTheDocument());
    await waitFor(() => expect(backendNames()).toEqual(Array.from({ length: 23 }, (_, i) => `bk-${98 + i}`)));
  });

  it('a page that empties under the user (its backends left) goes to the last page that has some', async () => {
    addBackends(60);
    const { user } = renderHaproxy();
    await waitFor(() => expect(backendNames()).toHaveLength(50));
    await user.click(screen.getByRole('button', { name: '2' }));
    await waitFor(() => expect(backendNames()[0]).toBe('bk-48'));
    // A sync finds them gone: 3 + 30 backends, one page.
    db.fleet.emptyBackends = db.fleet.emptyBackends!.slice(0, 30);
    await user.click(screen.getByRole('button', { name: /HAProxy instances \(2\)/ }));
    await user.click(await screen.findByRole('button', { name: 'Sync haproxy-2 now' }));
    await waitFor(() => expect(screen.getByText('33 backends')).toBeInTheDocument());
    await waitFor(() => expect(backendNames()).toHaveLength(33));
  });
});

describe('HAProxy page: URLs and empty states', () => {
  it('an instance id no database holds, a NUL or an overlong search in the URL still lists backends', async () => {
    renderHaproxy(`/haproxy?instance=3000000000&q=${encodeURIComponent(`b\0e_${'x'.repeat(250)}`)}`);
    expect(await screen.findByText('No backend or server matches the filters')).toBeInTheDocument();
    expect(screen.queryByText('Backends could not be loaded')).not.toBeInTheDocument();
    const read = backendReads().at(-1)!;
    expect(read.instance_id).toBeUndefined();
    expect(read.server_q).toBe(`be_${'x'.repeat(197)}`);
  });

  it('a filter with no match says so and offers to clear every filter, an unknown instance included', async () => {
    const { user } = renderHaproxy('/haproxy?instance=77&status=DOWN&q=web');
    expect(await screen.findByText('No backend or server matches the filters')).toBeInTheDocument();
    // The instance the link names is gone: the picker still shows it, so the user sees why nothing matches.
    expect(screen.getByText('Instance #77')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(backendNames()).toHaveLength(3));
    expect(location()).toBe('/haproxy');
    expect(screen.getByRole('radio', { name: 'All' })).toBeChecked();
    expect(screen.getByLabelText('Search backends and servers')).toHaveValue('');
  });
});

describe('HAProxy page: the backend going away', () => {
  it('comes back as it was: the banner meanwhile, then the opened backend still open with its servers', async () => {
    const { user } = renderHaproxy();
    const web = await screen.findByRole('listitem', { name: /^Backend be_web / });
    await user.click(within(web).getByRole('button', { expanded: false }));
    await within(web).findByRole('table');
    server.use(unreachableHandler);
    await user.click(screen.getByRole('button', { name: /HAProxy instances \(2\)/ }));
    await user.click(await screen.findByRole('button', { name: 'Sync haproxy-2 now' }));
    expect(await screen.findByText('The HAProxy Control backend is unreachable')).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Backends and servers' })).not.toBeInTheDocument();

    server.resetHandlers();
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.queryByText('The HAProxy Control backend is unreachable')).toBeNull());
    const back = screen.getByRole('listitem', { name: /^Backend be_web / });
    expect(within(back).getByRole('button', { expanded: true })).toBeInTheDocument();
    expect(within(back).getByRole('table')).toBeInTheDocument();
  });
});

describe('HAProxy page: large counts', () => {
  it('a bulk command over more servers than one command takes says so with separators', async () => {
    server.use(
      http.get(backendUrl('/haproxy/servers'), ({ request }) => {
        const sp = new URL(request.url).searchParams;
        const servers = db.fleet.servers.filter((s) => s.backend_id === Number(sp.get('backend_id')));
        return HttpResponse.json({ servers, total: sp.get('limit') === '10000' ? 12_345 : servers.length, next: null });
      })
    );
    const { user } = renderHaproxy();
    const web = await screen.findByRole('listitem', { name: /^Backend be_web / });
    await user.click(within(web).getByRole('button', { expanded: false }));
    await user.click(await within(web).findByRole('button', { name: /^Drain all \d+ shown servers of be_web/ }));
    const dialog = await screen.findByRole('dialog');
    // The dialog first loads the servers shown (a busy CI machine takes longer than waitFor's default second).
    await waitFor(
      () =>
        expect(dialog).toHaveTextContent(
          '12,345 servers of be_web are shown; one command takes at most 10,000. Narrow the filters.'
        ),
      { timeout: 10_000 }
    );
  });
});
