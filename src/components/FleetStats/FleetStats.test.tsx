import React from 'react';
import { render, screen } from '@testing-library/react';
import { FleetStats } from './FleetStats';

describe('FleetStats', () => {
  it('shows large counts with thousands separators', () => {
    render(
      <FleetStats
        summary={{
          instances: { total: 1200, active: 1150, failing: 0, breaker_open: 0 },
          backends: 10000,
          servers: { total: 200000, by_status: { UP: 198765, DOWN: 1235 } },
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
});
