import React from 'react';
import { render, screen, within } from '@testing-library/react';
import type { DryRun } from '../../api/types';
import { DryRunPreview } from './DryRunPreview';

const row = (
  server_id: number,
  server_name: string,
  would: DryRun['servers'][number]['would'],
  reason: string | null
) => ({
  server_id,
  server_name,
  backend: 'web',
  instance: 'edge-1',
  would,
  reason,
});

describe('DryRunPreview', () => {
  it('names the servers that go out with one they track, apart from those the budget refuses', () => {
    const data: DryRun = {
      dry_run: true,
      servers: [
        row(1, 's1', 'take_out', 'takes out s1 (with web/s3, api/a1, which track it)'),
        row(2, 's2', 'refuse', 'backend web of edge-1: 1 available, minimum 1; refused s2'),
        row(3, 's3', 'apply', null),
      ],
      budgets: [],
    };
    render(<DryRunPreview dryRun={{ data, loading: false }} servers={[]} />);
    const preview = screen.getByRole('region', { name: 'Dry run' });
    expect(preview).toHaveTextContent('1 server would be taken out, 1 refused.');
    expect(within(preview).getByText('Servers that track these go out with them')).toBeInTheDocument();
    expect(
      within(preview)
        .getAllByRole('listitem')
        .map((li) => li.textContent)
    ).toEqual([
      'takes out s1 (with web/s3, api/a1, which track it)',
      's2: backend web of edge-1: 1 available, minimum 1; refused s2',
    ]);
  });

  it('says nothing of trackers when none goes out', () => {
    const data: DryRun = { dry_run: true, servers: [row(1, 's1', 'take_out', null)], budgets: [] };
    render(<DryRunPreview dryRun={{ data, loading: false }} servers={[]} />);
    expect(screen.queryByText('Servers that track these go out with them')).not.toBeInTheDocument();
  });

  it('counts with thousands separators, and the budgets after too', () => {
    const many = (from: number, n: number, would: DryRun['servers'][number]['would']) =>
      Array.from({ length: n }, (_, i) => row(from + i, `s${from + i}`, would, null));
    const data: DryRun = {
      dry_run: true,
      servers: [...many(1, 1200, 'take_out'), ...many(2000, 1300, 'refuse'), ...many(4000, 1400, 'skip')],
      budgets: [
        {
          scope: 'backend',
          id: 12,
          min_available: 15000,
          source: 'backend',
          effective_min: 15000,
          servers_counted: 20000,
          available: 12000,
          ok: false,
        },
      ],
    };
    render(<DryRunPreview dryRun={{ data, loading: false }} servers={[]} />);
    const preview = screen.getByRole('region', { name: 'Dry run' });
    expect(preview).toHaveTextContent(
      '1,200 servers would be taken out, 1,300 refused, 1,400 skipped (already in that state).'
    );
    expect(within(preview).getByRole('list', { name: 'Budgets after' })).toHaveTextContent(
      'backend #12 after: 12,000 available, minimum 15,000'
    );
  });
});
