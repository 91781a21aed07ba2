import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Icon, Stack, Tooltip, useStyles2 } from '@grafana/ui';
import type { Server } from '../../api/types';
import { formatAgo, formatTime } from '../../utils/format';
import { openWindowEnd } from '../../utils/serverState';
import { HoverLines } from '../HoverLines/HoverLines';
import { StatusBadge } from '../StatusBadge/StatusBadge';
import { driftDetails, intentView, windowEndLabel } from './ServerState.utils';

/**
 * A server's state with health and intent apart: HAProxy's status, the intent badge (drained, maint and its
 * source) with who / why / since / until on hover, the end of its maintenance window, and drift.
 */
export function ServerState({ server }: { server: Server }) {
  const styles = useStyles2(getStyles);
  const intent = intentView(server);
  const until = openWindowEnd(server);
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
          aria-label={intent.badge.label}
          tooltip={<HoverLines lines={intent.details} />}
        />
      )}
      {until && (
        <Tooltip content={`Maintenance window ends ${formatAgo(until)} (${formatTime(until)})`}>
          <span className={styles.until} tabIndex={0}>
            <Icon name="clock-nine" size="sm" /> {windowEndLabel(until)}
          </span>
        </Tooltip>
      )}
      {server.drift && (
        <Badge
          color="red"
          icon="exclamation-triangle"
          text="drift"
          aria-label="drift"
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
});
