import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Icon, Stack, Tooltip, useStyles2 } from '@grafana/ui';
import type { Server } from '../../api/types';
import { formatAgo, formatTime } from '../../utils/format';
import { atWeightZero, openWindowEnd, overdueWindowEnd } from '../../utils/serverState';
import { HoverLines } from '../HoverLines/HoverLines';
import { StatusBadge } from '../StatusBadge/StatusBadge';
import {
  driftDetails,
  driftSummary,
  intentView,
  overdueWindowDetails,
  WEIGHT_ZERO_DETAILS,
  windowEndLabel,
} from './ServerState.utils';

/**
 * A server's state with health and intent apart: HAProxy's status, the intent badge (drained, maint and its
 * source) with who / why / since / until on hover, weight 0 (out on purpose whatever the status says), the end of
 * its maintenance window (or that it ended without the server being returned to ready yet), and drift.
 */
export function ServerState({ server }: { server: Server }) {
  const styles = useStyles2(getStyles);
  const intent = intentView(server);
  const until = openWindowEnd(server);
  const untilLabel = until && windowEndLabel(until);
  const overdue = overdueWindowEnd(server);
  const overdueLabel = overdue && windowEndLabel(overdue, undefined, 'window ended');
  return (
    <Stack gap={0.5} alignItems="center" wrap="wrap">
      <StatusBadge
        status={server.status}
        rawStatus={server.raw_status}
        details={intent && !intent.badge ? intent.details : undefined}
      />
      {intent?.badge && (
        <Badge
          color={intent.badge.color}
          text={intent.badge.text}
          role="img"
          aria-label={intent.badge.label}
          tooltip={<HoverLines lines={intent.details} />}
        />
      )}
      {atWeightZero(server) && (
        <Badge
          color="orange"
          icon="pause"
          text="weight 0"
          role="img"
          aria-label="weight 0: out on purpose"
          tooltip={<HoverLines lines={WEIGHT_ZERO_DETAILS} />}
        />
      )}
      {until && (
        <Tooltip content={`Maintenance window ends ${formatAgo(until)} (${formatTime(until)})`}>
          <span className={styles.until} tabIndex={0} role="img" aria-label={`maintenance window ${untilLabel}`}>
            <Icon name="clock-nine" size="sm" /> {untilLabel}
          </span>
        </Tooltip>
      )}
      {overdue && (
        <Tooltip content={<HoverLines lines={overdueWindowDetails(overdue)} />}>
          <span
            className={styles.overdue}
            tabIndex={0}
            role="img"
            aria-label={`maintenance ${overdueLabel}, not returned to ready yet`}
          >
            <Icon name="exclamation-triangle" size="sm" /> {overdueLabel}
          </span>
        </Tooltip>
      )}
      {server.drift && (
        <Badge
          color="red"
          icon="exclamation-triangle"
          text="drift"
          role="img"
          aria-label={`drift: ${driftSummary(server.drift)}`}
          tooltip={<HoverLines lines={driftDetails(server.drift)} />}
        />
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  until: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
  }),
  overdue: css({
    color: theme.colors.warning.text,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
  }),
});
