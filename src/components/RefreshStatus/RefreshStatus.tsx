import React from 'react';
import { Icon, Text } from '@grafana/ui';
import type { Resource } from '../../data/useResource';
import { formatClock } from '../../utils/format';

interface Props {
  /** The resources the page shows: the oldest answer is what the page is as fresh as. */
  resources: Array<Pick<Resource<unknown>, 'updatedAt' | 'stale'>>;
  /** The auto-refresh interval; 0 when off. */
  refreshMs: number;
}

/**
 * When the page's data was last answered, and a warning while a refresh is taking longer than the interval (the
 * next one waits for it), so a slow backend shows as late data rather than as live data.
 */
export function RefreshStatus({ resources, refreshMs }: Props) {
  const answered = resources.map((r) => r.updatedAt).filter((t): t is number => t !== undefined);
  if (answered.length === 0) {
    return null;
  }
  const updated = `Last updated ${formatClock(Math.min(...answered))}`;
  const stale = refreshMs > 0 && resources.some((r) => r.stale);
  return (
    <div role="status" aria-label="Data freshness">
      {stale ? (
        <Text color="warning" variant="bodySmall">
          <Icon name="exclamation-triangle" size="sm" aria-hidden /> {updated} — refresh is taking longer than the{' '}
          {refreshMs / 1000} s interval
        </Text>
      ) : (
        <Text color="secondary" variant="bodySmall">
          {updated}
        </Text>
      )}
    </div>
  );
}
