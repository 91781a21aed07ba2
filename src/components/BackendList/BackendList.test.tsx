import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Server, ServerStatus } from '../../api/types';
import { makeServer } from '../../test/fixtures';
import { BACKENDS_PER_PAGE, BackendList } from './BackendList';
import { filterBackends, groupByBackend } from './BackendList.utils';

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

describe('BackendList at scale', () => {
  it('renders one page of collapsed backends and no server rows until one is expanded', async () => {
    const user = userEvent.setup({ delay: null });
    const backends = filterBackends(groupByBackend(bigFleet()), {});
    render(
      <BackendList
        backends={backends}
        canAct
        onCommand={jest.fn()}
        onBulkCommand={jest.fn()}
        onMap={jest.fn()}
        filterKey=""
      />
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
