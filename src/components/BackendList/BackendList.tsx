import React, { useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Collapse, Pagination, Stack, Text, Tooltip, useStyles2 } from '@grafana/ui';
import { SERVER_STATUSES, type FleetBackend } from '../../api/types';
import { formatCount, formatPlural } from '../../utils/format';
import { getNameStyles } from '../../utils/styles';
import { StatusBadge } from '../StatusBadge/StatusBadge';

const NO_SERVERS = 'Every request HAProxy routes to it fails (503) until servers are added to its configuration.';

interface Props {
  /** The page of backends on screen, in the backend's order. */
  backends: FleetBackend[];
  /** How many backends match in all, and which page of `pageSize` this is. */
  total: number;
  page: number;
  pageSize: number;
  onPage: (page: number) => void;
  /** Another page or filter is loading: the list on screen is about to change. */
  loading?: boolean;
  /** What an opened backend shows: its servers, read when it opens (nothing is rendered for a closed one). */
  renderServers: (backend: FleetBackend) => React.ReactNode;
}

/**
 * The accordion of backends, one page at a time (paged on the backend), each with its counts. A closed backend
 * renders nothing inside, so the page's size does not depend on how many servers the fleet has.
 */
export function BackendList({ backends, total, page, pageSize, onPage, loading, renderServers }: Props) {
  const styles = useStyles2(getStyles);
  const nameStyles = useStyles2(getNameStyles);
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());
  const pages = Math.max(1, Math.ceil(total / pageSize));

  const toggle = (id: number, open: boolean) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (open) {
        next.add(id);
      } else {
        next.delete(id);
      }
      return next;
    });

  return (
    <Stack direction="column" gap={1}>
      <Text color="secondary" variant="bodySmall">
        {formatPlural(total, 'backend')}
        {pages > 1 && ` — page ${formatCount(page)} of ${formatCount(pages)}`}
      </Text>
      <div role="list" aria-label="Backends and servers" aria-busy={loading} className={cx(loading && styles.loading)}>
        {backends.map((b) => (
          <div role="listitem" key={b.id} aria-label={`Backend ${b.name} on ${b.instance_name}`}>
            <Collapse
              className={styles.collapse}
              isOpen={expanded.has(b.id)}
              onToggle={(open) => toggle(b.id, open)}
              label={
                <Stack gap={1} alignItems="center" wrap="wrap">
                  <span className={styles.name}>{b.name}</span>
                  <Text color="secondary" variant="bodySmall">
                    <span className={nameStyles.names}>{b.instance_name}</span>
                  </Text>
                  {b.servers_total === 0 ? (
                    <Badge
                      color="orange"
                      icon="exclamation-triangle"
                      text="no servers"
                      tooltip={NO_SERVERS}
                      role="img"
                      aria-label="no servers"
                    />
                  ) : (
                    <Text color="secondary" variant="bodySmall">
                      {b.shown === b.servers_total
                        ? formatPlural(b.servers_total, 'server')
                        : `${formatCount(b.shown)} of ${formatPlural(b.servers_total, 'server')} shown`}
                    </Text>
                  )}
                  {SERVER_STATUSES.filter((s) => b.by_status[s]).map((s) => (
                    <StatusBadge key={s} status={s} count={b.by_status[s]} />
                  ))}
                  {b.budget && (
                    <Text color={b.budget.ok ? 'secondary' : 'warning'} variant="bodySmall">
                      {/* A tooltip rather than a title: it also shows on keyboard focus. */}
                      <Tooltip content="Disruption budget: servers available (admin ready, up, weight above 0; a backup server only while no active one is) / the minimum kept in">
                        <span>
                          budget {formatCount(b.budget.available)} / min {formatCount(b.budget.effective_min)}
                          {!b.budget.ok && ' (below)'}
                        </span>
                      </Tooltip>
                    </Text>
                  )}
                  {b.on_backup && (
                    <Badge
                      color="orange"
                      icon="exclamation-triangle"
                      text="on backup"
                      tooltip="None of its active servers is available: HAProxy sends its traffic to its backup servers"
                      role="img"
                      aria-label="running on backup servers"
                    />
                  )}
                  {b.drifting > 0 && (
                    <Badge
                      color="red"
                      icon="exclamation-triangle"
                      text={`drift ${formatCount(b.drifting)}`}
                      tooltip="Servers HAProxy keeps out of their intended state"
                      role="img"
                      aria-label={`drift: ${formatPlural(b.drifting, 'server')} out of their intended state`}
                    />
                  )}
                </Stack>
              }
            >
              {b.servers_total === 0 ? (
                <Alert severity="warning" title="This backend has no servers">
                  {NO_SERVERS}
                </Alert>
              ) : (
                expanded.has(b.id) && renderServers(b)
              )}
            </Collapse>
          </div>
        ))}
      </div>
      <Pagination currentPage={page} numberOfPages={pages} onNavigate={onPage} hideWhenSinglePage />
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  collapse: css({ marginBottom: theme.spacing(0.5) }),
  // HAProxy names have no length limit and no spaces: a long one wraps rather than widening the page.
  name: css({ fontWeight: theme.typography.fontWeightMedium, overflowWrap: 'anywhere', minWidth: 0 }),
  loading: css({ opacity: 0.6, transition: 'opacity 0.2s' }),
});
