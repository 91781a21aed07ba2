import React from 'react';
import { render, screen, within } from '@testing-library/react';
import type { StatusChange } from '../../api/types';
import { StateTimeline } from './StateTimeline';

const T = Date.parse('2025-01-01T10:00:00Z');
const MIN = 60e3;

function change(id: number, atMin: number, partial: Partial<StatusChange>): StatusChange {
  return {
    id,
    server_id: 1,
    from_status: null,
    to_status: 'UP',
    raw_status: 'UP',
    admin_from: null,
    admin_to: null,
    operational_from: null,
    operational_to: null,
    cause: 'sync',
    note: null,
    changed_at: new Date(T + atMin * MIN).toISOString(),
    ...partial,
  };
}

describe('StateTimeline', () => {
  it('reads without colour: each segment names its state, and a legend names each colour shown', () => {
    render(
      <StateTimeline
        history={[
          change(1, 10, { admin_from: 'ready', admin_to: 'drain', cause: 'command' }),
          change(2, 20, { operational_from: 'up', operational_to: 'stopping' }),
          change(3, 40, { admin_from: 'drain', admin_to: 'ready', cause: 'command' }),
        ]}
        since={T}
        until={T + 60 * MIN}
      />
    );
    const admin = screen.getByRole('list', { name: 'Admin state over time' });
    // drain and stopping share the warning colour: only their names tell them apart
    expect(
      within(admin)
        .getAllByRole('listitem')
        .map((li) => li.textContent)
    ).toEqual(['ready', 'drain', 'ready']);
    const operational = screen.getByRole('list', { name: 'Operational state over time' });
    expect(
      within(operational)
        .getAllByRole('listitem')
        .map((li) => li.textContent)
    ).toEqual(['up', 'stopping']);
    const legend = screen.getByRole('list', { name: 'States shown' });
    expect(
      within(legend)
        .getAllByRole('listitem')
        .map((li) => li.textContent)
    ).toEqual(['ready', 'drain', 'up', 'stopping']);
  });

  it('shows no legend when nothing was recorded in the range', () => {
    render(<StateTimeline history={[]} since={T} until={T + 60 * MIN} />);
    expect(screen.getAllByText('no change recorded in this range')).toHaveLength(2);
    expect(screen.queryByRole('list', { name: 'States shown' })).not.toBeInTheDocument();
  });
});
