import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';
import type { ServerStatus } from '../../api/types';

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
  /** Shown after the status, e.g. a count. */
  suffix?: React.ReactNode;
}

export function statusColor(status: ServerStatus): BadgeColor {
  return COLORS[status] ?? 'darkgrey';
}

export function StatusBadge({ status, rawStatus, suffix }: Props) {
  const text = suffix === undefined ? status : `${status} ${suffix}`;
  return (
    <Badge
      color={statusColor(status)}
      text={text}
      tooltip={rawStatus ? `HAProxy status: ${rawStatus}` : undefined}
      aria-label={rawStatus ? `${text} (${rawStatus})` : text}
    />
  );
}
