import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { FleetBackend } from '../../api/types';
import { emptyBackend } from '../../test/stateFixtures';
import { BackendList } from './BackendList';
import { serverFilterOf } from './BackendList.utils';

const backend = (id: number, partial: Partial<FleetBackend> = {}): FleetBackend => ({
  ...emptyBackend({ id, name: `be_${id}`, instance_id: 1, instance_name: 'edge-1' }),
  servers_total: 20,
  shown: 20,
  by_status: { UP: 18, DOWN: 2 },
  ...partial,
});

function renderList(backends: FleetBackend[], total = backends.length, page = 1) {
  const onPage = jest.fn();
  const renderServers = jest.fn((b: FleetBackend) => <table aria-label={`servers of ${b.name}`} />);
  render(
    <BackendList
      backends={backends}
      total={total}
      page={page}
      pageSize={50}
      onPage={onPage}
      renderServers={renderServers}
    />
  );
  return { onPage, renderServers };
}

describe('BackendList', () => {
  it('shows the page of backends it is given, collapsed: nothing inside is rendered until one opens', async () => {
    const user = userEvent.setup({ delay: null });
    const page = Array.from({ length: 50 }, (_, i) => backend(i + 1));
    const { onPage, renderServers } = renderList(page, 10_000, 3);
    const items = within(screen.getByRole('list', { name: 'Backends and servers' })).getAllByRole('listitem');
    expect(items).toHaveLength(50);
    expect(screen.getByText('10,000 backends — page 3 of 200')).toBeInTheDocument();
    expect(renderServers).not.toHaveBeenCalled();

    await user.click(within(items[0]).getByRole('button', { expanded: false }));
    expect(within(items[0]).getByRole('table', { name: 'servers of be_1' })).toBeInTheDocument();
    expect(renderServers.mock.calls.every(([b]) => b.id === 1)).toBe(true);

    await user.click(screen.getByRole('button', { name: '4' }));
    expect(onPage).toHaveBeenCalledWith(4);
  });

  it('counts each backend: its servers, how many the filters show, statuses, drift; a backend without servers warns', async () => {
    const user = userEvent.setup({ delay: null });
    renderList([
      backend(1, { shown: 2, drifting: 3 }),
      backend(2),
      backend(3, { servers_total: 0, shown: 0, by_status: {} }),
    ]);
    const [filtered, all, empty] = screen.getAllByRole('listitem');
    expect(filtered).toHaveTextContent('2 of 20 servers shown');
    expect(filtered).toHaveTextContent('UP 18');
    expect(filtered).toHaveTextContent('DOWN 2');
    expect(filtered).toHaveTextContent('drift 3');
    expect(all).toHaveTextContent('20 servers');
    expect(all).not.toHaveTextContent('shown');
    // Named images: a screen reader reads the warning and what drifts, not only a colour.
    expect(within(empty).getByRole('img', { name: 'no servers' })).toBeInTheDocument();
    expect(
      within(filtered).getByRole('img', { name: 'drift: 3 servers out of their intended state' })
    ).toBeInTheDocument();
    expect(within(filtered).getByRole('img', { name: 'UP 18' })).toBeInTheDocument();
    await user.click(within(empty).getByRole('button', { expanded: false }));
    expect(within(empty).getByText('This backend has no servers')).toBeInTheDocument();
    expect(within(empty).queryByRole('table')).not.toBeInTheDocument();
  });
});

describe('the page filters as the backend takes them', () => {
  it('maps a status, drift and window, and the trimmed search', () => {
    expect(serverFilterOf(undefined, '')).toEqual({});
    expect(serverFilterOf('DOWN', '  web ')).toEqual({ status: 'DOWN', q: 'web' });
    expect(serverFilterOf('drift', '')).toEqual({ drift: true });
    expect(serverFilterOf('window', 'x')).toEqual({ in_window: true, q: 'x' });
  });
});
