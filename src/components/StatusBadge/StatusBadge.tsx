import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';
import type { ServerStatus } from '../../api/types';
import { formatCount } from '../../utils/format';

const COLORS: Record<ServerStatus, BadgeColor> = {
  UP: 'green',
  DOWN: 'red',
  DRAIN: 'orange',
  MAINT: 'blue',
  NOLB: 'purple',
  UNKNOWN: 'darkgrey',
};

interface Props {
  status: ServerStatus;
  /** HAProxy's own string (e.g. "UP 1/3", "MAINT (via b/s)"), shown on hover. */
  rawStatus?: string | null;
  /** How many servers have it, shown after the status. */
  count?: number;
}

export function statusColor(status: ServerStatus): BadgeColor {
  return COLORS[status] ?? 'darkgrey';
}

export function StatusBadge({ status, rawStatus, count }: Props) {
  const text = count === undefined ? status : `${status} ${formatCount(count)}`;
  return (
    <Badge
      color={statusColor(status)}
      text={text}
      tooltip={rawStatus ? `HAProxy status: ${rawStatus}` : undefined}
      aria-label={rawStatus ? `${text} (${rawStatus})` : text}
    />
  );
}
