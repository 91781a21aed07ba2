import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Icon, Stack, Text, Tooltip, useStyles2 } from '@grafana/ui';
import { SERVER_STATUSES, type StateCounts, type Summary } from '../../api/types';
import { formatAgo, formatCount, formatNumber, formatTime } from '../../utils/format';
import { StatusBadge } from '../StatusBadge/StatusBadge';

interface Props {
  summary: Summary;
}

function Stat({ label, hint, children }: { label: string; hint?: string; children: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return (
    // A group: a plain div's aria-label is not announced.
    <div role="group" className={styles.stat} aria-label={label}>
      <div className={styles.label}>
        {label}{' '}
        {hint && (
          <Tooltip content={hint}>
            <span role="img" aria-label={`What ${label} counts`} tabIndex={0}>
              <Icon name="info-circle" size="sm" />
            </span>
          </Tooltip>
        )}
      </div>
      <div className={styles.value}>{children}</div>
    </div>
  );
}

type TextColor = React.ComponentProps<typeof Text>['color'];

/** The state model's split of the servers (README's table), each with what it counts and how it is coloured. */
const STATE_STATS: Array<{ key: keyof StateCounts; label: string; hint: string; alarm?: TextColor }> = [
  { key: 'available', label: 'Available', hint: 'Ready, up and weighted: taking traffic' },
  {
    key: 'out_on_purpose',
    label: 'Out on purpose',
    hint: 'Drained, in maintenance (any source) or at weight 0, whatever their health',
  },
  { key: 'failing', label: 'Failing', hint: 'Meant to serve (ready) but down', alarm: 'error' },
  {
    key: 'drifting',
    label: 'Drifting',
    hint: 'HAProxy keeps them out of their intended state (e.g. a reload dropped a drain)',
    alarm: 'warning',
  },
  { key: 'in_window', label: 'In window', hint: 'In a maintenance window that ends on its own' },
];

/** Global statistics of the fleet, from GET /api/haproxy/summary. */
export function FleetStats({ summary }: Props) {
  const { instances, servers } = summary;
  return (
    <Stack direction="column" gap={2}>
      <Stack gap={2} wrap="wrap">
        <Stat label="Instances">
          {formatCount(instances.total)}
          <Text color="secondary" variant="bodySmall">
            {' '}
            {formatCount(instances.active)} active
          </Text>
        </Stat>
        <Stat label="Failing instances">
          <Text color={instances.failing > 0 ? 'error' : 'primary'}>{formatCount(instances.failing)}</Text>
          {instances.breaker_open > 0 && (
            <Text color="secondary" variant="bodySmall">
              {' '}
              {formatCount(instances.breaker_open)} breaker open
            </Text>
          )}
        </Stat>
        <Stat label="Backends">{formatCount(summary.backends)}</Stat>
        <Stat label="Servers">{formatCount(servers.total)}</Stat>
        {STATE_STATS.map(({ key, label, hint, alarm }) => (
          <Stat key={key} label={label} hint={hint}>
            <Text color={alarm && servers[key] > 0 ? alarm : 'primary'}>{formatNumber(servers[key])}</Text>
          </Stat>
        ))}
        <Stat label="Servers by status">
          <Stack gap={0.5} wrap="wrap">
            {SERVER_STATUSES.filter((s) => s !== 'UNKNOWN' || (servers.by_status.UNKNOWN ?? 0) > 0).map((s) => (
              <StatusBadge key={s} status={s} count={servers.by_status[s] ?? 0} />
            ))}
          </Stack>
        </Stat>
        <Stat label="Last sync">
          {/* A tooltip rather than a title: it also shows on keyboard focus. */}
          {summary.last_sync_at ? (
            <Tooltip content={formatTime(summary.last_sync_at)}>
              <span>{formatAgo(summary.last_sync_at)}</span>
            </Tooltip>
          ) : (
            formatAgo(null)
          )}
        </Stat>
      </Stack>
      {summary.failing_instances.length > 0 && (
        <Alert severity="warning" title={`${summary.failing_instances.length} instance(s) failing to sync`}>
          <ul>
            {summary.failing_instances.map((i) => (
              <li key={i.id}>
                <strong>{i.name}</strong> on {i.host_name}: {i.last_sync_error ?? 'unknown error'} (last sync{' '}
                {formatAgo(i.last_sync_at)})
              </li>
            ))}
          </ul>
        </Alert>
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  stat: css({
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1, 2),
    minWidth: 140,
  }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  value: css({ fontSize: theme.typography.h4.fontSize }),
});
