import React from 'react';
import { Badge, type BadgeColor } from '@grafana/ui';
import type { ServerStatus } from '../../api/types';
import { formatCount } from '../../utils/format';
import { HoverLines } from '../HoverLines/HoverLines';

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
  /** More lines for the hover (e.g. who drained it, when the status already says DRAIN). */
  details?: string[];
}

export function statusColor(status: ServerStatus): BadgeColor {
  return COLORS[status] ?? 'darkgrey';
}

export function StatusBadge({ status, rawStatus, count, details = [] }: Props) {
  const text = count === undefined ? status : `${status} ${formatCount(count)}`;
  const lines = [...(rawStatus ? [`HAProxy status: ${rawStatus}`] : []), ...details];
  return (
    <Badge
      color={statusColor(status)}
      text={text}
      tooltip={lines.length > 0 ? <HoverLines lines={lines} /> : undefined}
      // A role, or screen readers skip the label (and the raw status in it) on a plain div.
      role="img"
      aria-label={rawStatus ? `${text} (${rawStatus})` : text}
    />
  );
}
