import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Stack, Text, useStyles2 } from '@grafana/ui';
import { SERVER_STATUSES, type Summary } from '../../api/types';
import { formatAgo, formatCount, formatTime } from '../../utils/format';
import { StatusBadge } from '../StatusBadge/StatusBadge';

interface Props {
  summary: Summary;
}

function Stat({ label, children }: { label: string; children: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.stat} aria-label={label}>
      <div className={styles.label}>{label}</div>
      <div className={styles.value}>{children}</div>
    </div>
  );
}

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
        <Stat label="Servers by status">
          <Stack gap={0.5} wrap="wrap">
            {SERVER_STATUSES.filter((s) => s !== 'UNKNOWN' || (servers.by_status.UNKNOWN ?? 0) > 0).map((s) => (
              <StatusBadge key={s} status={s} count={servers.by_status[s] ?? 0} />
            ))}
          </Stack>
        </Stat>
        <Stat label="Last sync">
          <span title={formatTime(summary.last_sync_at)}>{formatAgo(summary.last_sync_at)}</span>
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
