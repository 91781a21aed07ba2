import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { dateTimeFormat } from '@grafana/data';
import userEvent from '@testing-library/user-event';
import { FleetStats } from './FleetStats';

describe('FleetStats', () => {
  it('shows large counts with thousands separators', () => {
    render(
      <FleetStats
        summary={{
          instances: { total: 1200, active: 1150, failing: 0, breaker_open: 0 },
          backends: 10000,
          servers: {
            total: 200000,
            by_status: { UP: 198765, DOWN: 1235 },
            available: 197000,
            out_on_purpose: 1765,
            failing: 1235,
            drifting: 12,
            in_window: 1500,
          },
          last_sync_at: null,
          failing_instances: [],
        }}
      />
    );
    expect(screen.getByLabelText('Instances')).toHaveTextContent('1,200 1,150 active');
    expect(screen.getByLabelText('Backends')).toHaveTextContent('10,000');
    expect(screen.getByLabelText('Servers')).toHaveTextContent('200,000');
    expect(screen.getByLabelText('Servers by status')).toHaveTextContent('UP 198,765');
    expect(screen.getByLabelText('Servers by status')).toHaveTextContent('DOWN 1,235');
  });

  it('splits the servers: available, out on purpose, failing, drifting, in a window', async () => {
    render(
      <FleetStats
        summary={{
          instances: { total: 2, active: 2, failing: 0, breaker_open: 0 },
          backends: 3,
          servers: {
            total: 12345,
            by_status: { UP: 11000, DOWN: 1300, DRAIN: 45 },
            available: 11000,
            out_on_purpose: 1045,
            failing: 300,
            drifting: 2,
            in_window: 0,
          },
          last_sync_at: null,
          failing_instances: [],
        }}
      />
    );
    expect(screen.getByLabelText('Available')).toHaveTextContent('11,000');
    // drained or in maintenance whatever the health: 1,000 of the DOWN servers are out on purpose
    expect(screen.getByLabelText('Out on purpose')).toHaveTextContent('1,045');
    expect(screen.getByLabelText('Failing')).toHaveTextContent('300');
    expect(screen.getByLabelText('Drifting')).toHaveTextContent('2');
    expect(screen.getByLabelText('In window')).toHaveTextContent('0');
    await userEvent.setup({ delay: null }).hover(screen.getByLabelText('What Failing counts'));
    expect(await screen.findByRole('tooltip')).toHaveTextContent('Meant to serve (ready) but down');
  });
});

describe('FleetStats for keyboard and screen reader users', () => {
  const summary = {
    instances: { total: 2, active: 2, failing: 1, breaker_open: 0 },
    backends: 3,
    servers: {
      total: 10,
      by_status: { UP: 9, DOWN: 1 },
      available: 9,
      out_on_purpose: 0,
      failing: 1,
      drifting: 0,
      in_window: 0,
    },
    last_sync_at: '2025-01-01T10:00:00Z',
    failing_instances: [],
  };

  it('announces each statistic as a named group', () => {
    render(<FleetStats summary={summary} />);
    expect(screen.getByRole('group', { name: 'Failing instances' })).toHaveTextContent('1');
    expect(screen.getByRole('group', { name: 'Servers' })).toHaveTextContent('10');
    expect(screen.getByRole('group', { name: 'Failing' })).toHaveTextContent('1');
  });

  it('names its status counts and hints as images: a label on a plain element is not read', () => {
    render(<FleetStats summary={summary} />);
    const byStatus = within(screen.getByRole('group', { name: 'Servers by status' }));
    expect(byStatus.getByRole('img', { name: 'UP 9' })).toBeInTheDocument();
    expect(byStatus.getByRole('img', { name: 'DOWN 1' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'What Drifting counts' })).toBeInTheDocument();
  });

  it('shows the last sync’s exact time on keyboard focus, not only on a mouse hover', async () => {
    render(<FleetStats summary={summary} />);
    const lastSync = within(screen.getByRole('group', { name: 'Last sync' }));
    const user = userEvent.setup({ delay: null });
    // Tab past the hints to the last sync's time
    while (!lastSync.queryByText(/ago$/)?.matches(':focus')) {
      await user.tab();
      if (document.activeElement === document.body) {
        throw new Error('the last sync time never takes the focus');
      }
    }
    expect(await screen.findByRole('tooltip')).toHaveTextContent(dateTimeFormat(summary.last_sync_at));
  });
});
