import React, { useState } from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, type BadgeColor, Button, Card, ConfirmModal, Stack, Text, useStyles2 } from '@grafana/ui';
import type { Operation, OperationServerState, OperationState } from '../../api/types';
import { prefixRoute, ROUTES } from '../../constants';
import { cancelOperation, isActiveOperation } from '../../data/useOperations';
import { formatAgo, formatCount, formatNumber, formatPlural, formatTime } from '../../utils/format';

interface Props {
  operation: Operation;
  canAct: boolean;
  /** After a cancel (the job changed). */
  onChanged: () => void;
}

const STATE_COLORS: Record<OperationState, BadgeColor> = {
  queued: 'blue',
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'orange',
};

const SERVER_STATE_LABELS: Record<OperationServerState, string> = {
  pending: 'waiting its turn',
  draining: 'draining',
  waiting: 'waiting for sessions to end',
  maint: 'in maintenance',
  ramping: 'ramping up',
  done: 'done',
  failed: 'failed',
  refused: 'refused by a budget',
  cancelled: 'cancelled',
};

/** How far a job is: the servers it has finished with (done, failed, refused, cancelled) out of all. */
export function finishedCount(op: Operation): number {
  const p = op.progress;
  return p.done + p.failed + p.refused + p.cancelled;
}

/**
 * One job: what it does, who started it and why, a progress bar, each server's state (sessions left, since when),
 * and Cancel for Editors while it runs, confirmed in words: what is already out stays out.
 */
export function OperationCard({ operation: op, canAct, onChanged }: Props) {
  const styles = useStyles2(getStyles);
  const [confirming, setConfirming] = useState(false);
  const finished = finishedCount(op);
  const p = op.progress;
  const kind = op.action === 'drain' ? 'Rolling drain' : op.ramp ? 'Return with a ramp' : 'Return';
  const title = `${kind} of ${formatPlural(p.total, 'server')}`;
  return (
    <section aria-label={`Job ${title} ${op.state}`}>
      <Card>
        <Card.Heading>
          <Link to={`${prefixRoute(ROUTES.Operations)}/${op.id}`}>{title}</Link>
        </Card.Heading>
        <Card.Meta>
          {[
            `started by ${op.actor ?? 'unknown'} ${formatAgo(op.created_at)}`,
            `${formatCount(op.max_parallel)} at a time`,
            op.deadline_at ? `deadline ${formatTime(op.deadline_at)} (then ${op.on_deadline.replace('_', ' ')})` : '',
            op.action === 'drain' && op.then === 'maint' ? 'maint once sessions end' : '',
            op.ramp ? `weights ${op.ramp.steps.join(', ')}% every ${formatCount(op.ramp.interval_s)} s` : '',
          ].filter(Boolean)}
        </Card.Meta>
        <Card.Tags>
          <Badge color={STATE_COLORS[op.state]} text={op.state} />
        </Card.Tags>
        <Card.Description>
          <Stack direction="column" gap={1}>
            {op.reason && <Text italic>Reason: {op.reason}</Text>}
            <div
              role="progressbar"
              aria-label={`Progress of ${title}`}
              aria-valuemin={0}
              aria-valuemax={p.total}
              aria-valuenow={finished}
              className={styles.bar}
            >
              <div className={styles.done} style={{ width: `${p.total ? (p.done / p.total) * 100 : 0}%` }} />
              <div
                className={styles.other}
                style={{ width: `${p.total ? ((finished - p.done) / p.total) * 100 : 0}%` }}
              />
            </div>
            <Text variant="bodySmall" color="secondary">
              {formatCount(finished)} of {formatCount(p.total)} finished: {formatCount(p.done)} done,{' '}
              {formatCount(p.active)} in progress, {formatCount(p.pending)} waiting
              {p.failed > 0 && `, ${formatCount(p.failed)} failed`}
              {p.refused > 0 && `, ${formatCount(p.refused)} refused by a budget`}
              {p.cancelled > 0 && `, ${formatCount(p.cancelled)} cancelled`}
            </Text>
            {op.error && <Text color="warning">{op.error}</Text>}
            <table className={styles.table} aria-label={`Servers of ${title}`}>
              <thead>
                <tr>
                  <th>Server</th>
                  <th>Backend</th>
                  <th>State</th>
                  <th>Sessions</th>
                  <th>Weight</th>
                  <th>Since</th>
                </tr>
              </thead>
              <tbody>
                {op.servers.map((s) => (
                  <tr key={s.server_id}>
                    <td className={styles.names}>
                      <Link to={`${prefixRoute(ROUTES.Servers)}/${s.server_id}`}>{s.server_name}</Link>
                    </td>
                    <td className={styles.names}>
                      {s.backend} on {s.instance}
                    </td>
                    <td>
                      {SERVER_STATE_LABELS[s.state]}
                      {s.error && `: ${s.error}`}
                    </td>
                    <td>{formatNumber(s.sessions)}</td>
                    <td>{formatNumber(s.weight)}</td>
                    <td>{formatAgo(s.since)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Stack>
        </Card.Description>
        {canAct && isActiveOperation(op) && (
          <Card.Actions>
            <Button variant="destructive" fill="outline" size="sm" onClick={() => setConfirming(true)}>
              Cancel job
            </Button>
          </Card.Actions>
        )}
        {confirming && (
          <ConfirmModal
            isOpen
            title="Cancel this job?"
            body={`The job stops: servers still waiting their turn are left as they are. What is already out stays out (${formatCount(p.done + p.active)} of ${formatCount(p.total)}): return them with Ready when you want them back.`}
            confirmText="Cancel job"
            dismissText="Keep running"
            onConfirm={async () => {
              await cancelOperation(op);
              setConfirming(false);
              onChanged();
            }}
            onDismiss={() => setConfirming(false)}
          />
        )}
      </Card>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({
    display: 'flex',
    height: theme.spacing(1),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    overflow: 'hidden',
  }),
  done: css({ background: theme.colors.success.main }),
  other: css({ background: theme.colors.warning.main }),
  table: css({
    width: '100%',
    fontSize: theme.typography.bodySmall.fontSize,
    '& th, & td': { padding: theme.spacing(0.25, 1), textAlign: 'left' },
    '& th': { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  // Server, backend and instance names may be long and without a space: they wrap inside the card.
  names: css({ overflowWrap: 'anywhere' }),
});
