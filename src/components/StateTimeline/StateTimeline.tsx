import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Stack, Text, Tooltip, useStyles2, useTheme2 } from '@grafana/ui';
import type { StatusChange } from '../../api/types';
import { formatTime } from '../../utils/format';
import { type Segment, timelineOf } from './StateTimeline.utils';

interface Props {
  history: StatusChange[];
  since: number;
  until: number;
}

/** The theme colour of a state: in rotation, out on purpose, failing, unknown. */
function colorOf(theme: GrafanaTheme2, state: string): string {
  switch (state) {
    case 'ready':
    case 'up':
      return theme.colors.success.main;
    case 'drain':
    case 'starting':
    case 'stopping':
      return theme.colors.warning.main;
    case 'maint':
      return theme.colors.info.main;
    case 'down':
      return theme.colors.error.main;
    default:
      return theme.colors.secondary.main;
  }
}

/**
 * A server's admin state (what operators asked) and operational state (what its health checks say) over time, as
 * two rows of coloured segments, each labelled for screen readers and with a tooltip. States share colours (drain,
 * starting, stopping) and colour alone is not enough: a segment wide enough names its state, and a legend names
 * each colour shown.
 */
export function StateTimeline({ history, since, until }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const { admin, operational } = timelineOf(history, since, until);
  // Drawn from the first state known: a server first seen an hour ago fills the bar, not its last 4 %.
  const starts = [...admin, ...operational].map((seg) => seg.from);
  const start = starts.length > 0 ? Math.min(...starts) : since;
  const span = Math.max(1, until - start);
  const shown = [...new Set([...admin, ...operational].map((seg) => seg.state))];
  const row = (label: string, segments: Segment[]) => (
    <div className={styles.row}>
      <Text variant="bodySmall" color="secondary">
        {label}
      </Text>
      <ol className={styles.bar} aria-label={`${label} state over time`}>
        {segments.length === 0 && <li className={styles.empty}>no change recorded in this range</li>}
        {segments.map((s) => {
          const background = colorOf(theme, s.state);
          const text = `${s.state} from ${formatTime(new Date(s.from).toISOString())} to ${formatTime(new Date(s.to).toISOString())}${s.cause ? ` (${s.cause})` : ''}`;
          return (
            <Tooltip key={s.from} content={text}>
              <li
                aria-label={text}
                tabIndex={0}
                className={styles.segment}
                style={{
                  width: `${((s.to - s.from) / span) * 100}%`,
                  left: `${((s.from - start) / span) * 100}%`,
                  background,
                  color: theme.colors.getContrastText(background),
                }}
                data-state={s.state}
              >
                <span className={styles.segmentText}>{s.state}</span>
              </li>
            </Tooltip>
          );
        })}
      </ol>
    </div>
  );
  return (
    <Stack direction="column" gap={1}>
      {row('Admin', admin)}
      {row('Operational', operational)}
      <div className={styles.axis}>
        <span>{formatTime(new Date(start).toISOString())}</span>
        <span>{formatTime(new Date(until).toISOString())}</span>
      </div>
      {shown.length > 0 && (
        <ul className={styles.legend} aria-label="States shown">
          {shown.map((state) => (
            <li key={state} className={styles.legendItem}>
              <span className={styles.swatch} style={{ background: colorOf(theme, state) }} aria-hidden />
              {state}
            </li>
          ))}
        </ul>
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'grid', gridTemplateColumns: '7em 1fr', alignItems: 'center', gap: theme.spacing(1) }),
  bar: css({
    position: 'relative',
    listStyle: 'none',
    margin: 0,
    height: theme.spacing(3),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    overflow: 'hidden',
  }),
  segment: css({
    position: 'absolute',
    top: 0,
    bottom: 0,
    // at least a sliver: a state held for seconds in a week still shows
    minWidth: 2,
    borderRight: `1px solid ${theme.colors.background.primary}`,
    // the state's name inside, cut where the segment ends (its tooltip and label say it in full)
    overflow: 'hidden',
    whiteSpace: 'nowrap',
  }),
  segmentText: css({
    padding: theme.spacing(0, 0.5),
    fontSize: theme.typography.bodySmall.fontSize,
    lineHeight: theme.spacing(3),
  }),
  empty: css({
    padding: theme.spacing(0.5, 1),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  axis: css({
    display: 'flex',
    justifyContent: 'space-between',
    marginLeft: '8em',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  legend: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0, 2),
    listStyle: 'none',
    margin: 0,
    marginLeft: '8em',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  legendItem: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  swatch: css({ width: theme.spacing(1.5), height: theme.spacing(1.5), borderRadius: theme.shape.radius.default }),
});
