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
    expect(preview).toHaveTextContent('1 server would be taken out, 1 refused by a disruption budget.');
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
});
