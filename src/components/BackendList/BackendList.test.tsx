import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import type { Server, ServerStatus } from '../../api/types';
import { makeServer } from '../../test/fixtures';
import { BACKENDS_PER_PAGE, BackendList } from './BackendList';
import { filterBackends, groupByBackend } from './BackendList.utils';
import { emptyBackend, fleetBackendsOf } from '../../test/stateFixtures';

const STATUSES: ServerStatus[] = ['UP', 'UP', 'UP', 'DOWN', 'DRAIN', 'MAINT', 'NOLB'];

/** The fleet the issue asks to stay responsive: 1,000 backends x 20 servers. */
function bigFleet(): Server[] {
  const servers: Server[] = [];
  for (let b = 0; b < 1000; b++) {
    const instance = b % 10;
    for (let s = 0; s < 20; s++) {
      servers.push(
        makeServer({
          backend_id: b + 1,
          backend_name: `be_${String(b).padStart(4, '0')}`,
          instance_id: instance + 1,
          instance_name: `haproxy-${instance}`,
          server_name: `srv_${b}_${s}`,
          status: STATUSES[(b + s) % STATUSES.length],
        })
      );
    }
  }
  return servers;
}

describe('backend grouping and filtering', () => {
  const servers = bigFleet();
  const groups = groupByBackend(servers);

  it('groups 20,000 servers into 1,000 backends with per-status counts', () => {
    expect(groups).toHaveLength(1000);
    const counts = groups[0].counts;
    expect(Object.values(counts).reduce((a, b) => a + (b ?? 0), 0)).toBe(20);
  });

  it('filters by instance, status and name quickly', () => {
    const started = performance.now();
    const byInstance = filterBackends(groups, { instanceId: 3 });
    const down = filterBackends(groups, { status: 'DOWN' });
    const search = filterBackends(groups, { q: 'srv_42_1' });
    const elapsed = performance.now() - started;
    expect(byInstance).toHaveLength(100);
    expect(down.every((b) => b.visible.every((s) => s.status === 'DOWN'))).toBe(true);
    // srv_42_1 and srv_42_10..19
    expect(search.map((b) => b.backendName)).toEqual(['be_0042']);
    expect(search[0].visible).toHaveLength(11);
    expect(elapsed).toBeLessThan(500);
  });

  it('sorts instances, backends and servers in natural order (2 before 10)', () => {
    const at = (instance: number, backend: number, server: number) =>
      makeServer({
        backend_id: instance * 100 + backend,
        backend_name: `backend_${backend}`,
        instance_id: instance,
        instance_name: `edge-${instance}`,
        server_name: `srv${server}`,
      });
    const sorted = groupByBackend([at(10, 1, 1), at(2, 10, 1), at(2, 2, 10), at(2, 2, 9), at(2, 1, 1)]);
    expect(sorted.map((b) => `${b.instanceName}/${b.backendName}`)).toEqual([
      'edge-2/backend_1',
      'edge-2/backend_2',
      'edge-2/backend_10',
      'edge-10/backend_1',
    ]);
    expect(sorted[1].servers.map((s) => s.server_name)).toEqual(['srv9', 'srv10']);
  });

  it('a backend-name match keeps all of its servers', () => {
    const result = filterBackends(groups, { q: 'BE_0007' });
    expect(result).toHaveLength(1);
    expect(result[0].visible).toHaveLength(20);
  });
});

describe('backends from the fleet list, drift and windows', () => {
  const HOUR = 3600e3;
  const now = Date.parse('2025-06-01T12:00:00Z');
  const where = (backend: number, instance = 1) => ({
    backend_id: backend,
    backend_name: `be_${backend}`,
    instance_id: instance,
    instance_name: `edge-${instance}`,
  });
  const window = (until: number) => ({
    admin_state: 'maint' as const,
    actor: 'grafana:alice',
    reason: null,
    source: 'ui',
    set_at: new Date(now - HOUR).toISOString(),
    until: new Date(until).toISOString(),
  });
  const servers: Server[] = [
    makeServer({ ...where(1), server_name: 'a1' }),
    makeServer({
      ...where(1),
      server_name: 'a2',
      drift: {
        since: new Date(now).toISOString(),
        desired: 'drain',
        actual: 'ready',
        cause: 'reload',
        policy: 'alert',
        attempts: 0,
        last_error: null,
      },
    }),
    makeServer({ ...where(2), server_name: 'b1', status: 'MAINT', desired: window(now + HOUR) }),
    makeServer({ ...where(2), server_name: 'b2', status: 'MAINT', desired: window(now - HOUR) }),
  ];
  const empty = emptyBackend({ id: 9, name: 'be_payments', instance_id: 2, instance_name: 'edge-2' });

  it('lists every backend of the fleet list, the empty ones too, with the list counts', () => {
    const list = fleetBackendsOf(servers, [empty]);
    list[0].by_status = { UP: 7 };
    list[0].servers_total = 7;
    const groups = groupByBackend(servers, list);
    expect(groups.map((g) => [g.backendName, g.serversTotal, g.servers.length, g.drifting])).toEqual([
      ['be_1', 7, 2, 1],
      ['be_2', 2, 2, 0],
      ['be_payments', 0, 0, 0],
    ]);
    expect(groups[0].counts).toEqual({ UP: 7 });
  });

  it('a server of a backend the list does not have yet still gets a group, counted from its servers', () => {
    const groups = groupByBackend(servers, [empty]);
    expect(groups.map((g) => [g.backendName, g.serversTotal, g.drifting])).toEqual([
      ['be_1', 2, 1],
      ['be_2', 2, 0],
      ['be_payments', 0, 0],
    ]);
    expect(groups[1].counts).toEqual({ MAINT: 2 });
  });

  it('filters drifting servers and servers in an open window; empty backends only without a status', () => {
    const groups = groupByBackend(servers, fleetBackendsOf(servers, [empty]));
    const names = (status?: 'drift' | 'window' | 'UP', q?: string) =>
      filterBackends(groups, { status, q }, now).map((b) => `${b.backendName}:${b.visible.map((s) => s.server_name)}`);
    expect(names('drift')).toEqual(['be_1:a2']);
    expect(names('window')).toEqual(['be_2:b1']);
    expect(names('UP')).toEqual(['be_1:a1,a2']);
    expect(names()).toEqual(['be_1:a1,a2', 'be_2:b1,b2', 'be_payments:']);
    expect(names(undefined, 'pay')).toEqual(['be_payments:']);
    expect(names(undefined, 'a1')).toEqual(['be_1:a1']);
  });
});

describe('BackendList at scale', () => {
  it('renders one page of collapsed backends and no server rows until one is expanded', async () => {
    const user = userEvent.setup({ delay: null });
    const backends = filterBackends(groupByBackend(bigFleet()), {});
    // A router: server and application names link to their pages.
    render(
      <MemoryRouter>
        <BackendList
          backends={backends}
          canAct
          onCommand={jest.fn()}
          onBulkCommand={jest.fn()}
          onMap={jest.fn()}
          filterKey=""
        />
      </MemoryRouter>
    );
    const list = () => screen.getByRole('list', { name: 'Backends and servers' });
    const items = within(list()).getAllByRole('listitem');
    expect(items).toHaveLength(BACKENDS_PER_PAGE);
    expect(screen.queryAllByRole('row')).toHaveLength(0);
    expect(screen.getByText(/1,000 backends — page 1 of 20/)).toBeInTheDocument();

    await user.click(within(items[0]).getByRole('button', { expanded: false }));
    expect(within(items[0]).getAllByRole('row')).toHaveLength(21);

    await user.click(screen.getByRole('button', { name: '2' }));
    expect(within(list()).getAllByRole('listitem')[0]).toHaveAccessibleName(
      `Backend ${backends[BACKENDS_PER_PAGE].backendName} on ${backends[BACKENDS_PER_PAGE].instanceName}`
    );
    expect(screen.queryAllByRole('row')).toHaveLength(0);
  });
});
