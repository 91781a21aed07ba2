import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { StateTimeline } from './StateTimeline';
import { change, MIN, T } from './testChanges';

describe('StateTimeline', () => {
  it('reads without colour: each segment names its state, and a legend names each colour shown', () => {
    render(
      <StateTimeline
        history={[
          change(10, { admin_from: 'ready', admin_to: 'drain', cause: 'command' }),
          change(20, { operational_from: 'up', operational_to: 'stopping' }),
          change(40, { admin_from: 'drain', admin_to: 'ready', cause: 'command' }),
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
