import React from 'react';
import { render, screen } from '@testing-library/react';
import { RefreshStatus } from './RefreshStatus';

const at = (time: string) => new Date(`2025-01-01T${time}Z`).getTime();

describe('RefreshStatus', () => {
  it('says when the oldest of the page’s data was answered', () => {
    render(
      <RefreshStatus
        resources={[
          { updatedAt: at('12:03:09'), stale: false },
          { updatedAt: at('12:03:05'), stale: false },
        ]}
        refreshMs={5000}
      />
    );
    expect(screen.getByRole('status', { name: 'Data freshness' })).toHaveTextContent(/^Last updated 12:03:05$/);
  });

  it('warns while a refresh takes longer than the interval', () => {
    render(
      <RefreshStatus
        resources={[
          { updatedAt: at('12:03:05'), stale: true },
          { updatedAt: at('12:03:07'), stale: false },
        ]}
        refreshMs={5000}
      />
    );
    expect(screen.getByRole('status', { name: 'Data freshness' })).toHaveTextContent(
      'Last updated 12:03:05 — refresh is taking longer than the 5 s interval'
    );
  });

  it('shows nothing before the first answer', () => {
    const { container } = render(<RefreshStatus resources={[{ updatedAt: undefined, stale: false }]} refreshMs={0} />);
    expect(container).toBeEmptyDOMElement();
  });
});
