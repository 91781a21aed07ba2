import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, Collapse, Pagination, Stack, Text, useStyles2 } from '@grafana/ui';
import { SERVER_COMMANDS, SERVER_STATUSES, type Server, type ServerCommand } from '../../api/types';
import { formatCount, formatPlural } from '../../utils/format';
import { COMMAND_LABELS } from '../ServerCommandModal/ServerCommandModal';
import { ServerTable } from '../ServerTable/ServerTable';
import { StatusBadge } from '../StatusBadge/StatusBadge';
import type { FilteredBackend } from './BackendList.utils';

export const BACKENDS_PER_PAGE = 50;

const NO_SERVERS = 'Every request HAProxy routes to it fails (503) until servers are added to its configuration.';

interface Props {
  backends: FilteredBackend[];
  canAct: boolean;
  onCommand: (server: Server, command: ServerCommand) => void;
  /** One command on every server of the backend that the filters show. */
  onBulkCommand: (backend: FilteredBackend, command: ServerCommand) => void;
  onMap: (server: Server) => void;
  /** Changes whenever the filters change: the list goes back to its first page. */
  filterKey: string;
}

/**
 * The accordion of backends. Only the current page of backends is rendered (50 at a time) and a collapsed
 * backend renders no rows, so a fleet of 1,000 backends x 20 servers stays responsive.
 */
export function BackendList({ backends, canAct, onCommand, onBulkCommand, onMap, filterKey }: Props) {
  const styles = useStyles2(getStyles);
  // The page belongs to the filters it was chosen under: new filters start again at page 1.
  const [paging, setPaging] = useState({ filterKey, page: 1 });
  const page = paging.filterKey === filterKey ? paging.page : 1;
  const setPage = (p: number) => setPaging({ filterKey, page: p });
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());

  const pages = Math.max(1, Math.ceil(backends.length / BACKENDS_PER_PAGE));
  const current = Math.min(page, pages);
  const shown = backends.slice((current - 1) * BACKENDS_PER_PAGE, current * BACKENDS_PER_PAGE);

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
        {formatPlural(backends.length, 'backend')}
        {pages > 1 && ` — page ${formatCount(current)} of ${formatCount(pages)}`}
      </Text>
      <div role="list" aria-label="Backends and servers">
        {shown.map((b) => (
          <div role="listitem" key={b.backendId} aria-label={`Backend ${b.backendName} on ${b.instanceName}`}>
            <Collapse
              className={styles.collapse}
              isOpen={expanded.has(b.backendId)}
              onToggle={(open) => toggle(b.backendId, open)}
              label={
                <Stack gap={1} alignItems="center" wrap="wrap">
                  <span className={styles.name}>{b.backendName}</span>
                  <Text color="secondary" variant="bodySmall">
                    {b.instanceName}
                  </Text>
                  {b.serversTotal === 0 ? (
                    <Badge
                      color="orange"
                      icon="exclamation-triangle"
                      text="no servers"
                      tooltip={NO_SERVERS}
                      aria-label="no servers"
                    />
                  ) : (
                    <Text color="secondary" variant="bodySmall">
                      {b.visible.length === b.serversTotal
                        ? formatPlural(b.serversTotal, 'server')
                        : `${formatCount(b.visible.length)} of ${formatPlural(b.serversTotal, 'server')} shown`}
                    </Text>
                  )}
                  {SERVER_STATUSES.filter((s) => b.counts[s]).map((s) => (
                    <StatusBadge key={s} status={s} count={b.counts[s]} />
                  ))}
                  {b.budget && (
                    <Text color={b.budget.ok ? 'secondary' : 'warning'} variant="bodySmall">
                      <span title="Disruption budget: servers available (admin ready and up) / the minimum kept in">
                        budget {formatCount(b.budget.available)} / min {formatCount(b.budget.effective_min)}
                        {!b.budget.ok && ' (below)'}
                      </span>
                    </Text>
                  )}
                  {b.drifting > 0 && (
                    <Badge
                      color="red"
                      icon="exclamation-triangle"
                      text={`drift ${formatCount(b.drifting)}`}
                      tooltip="Servers HAProxy keeps out of their intended state"
                    />
                  )}
                </Stack>
              }
            >
              {b.serversTotal === 0 && (
                <Alert severity="warning" title="This backend has no servers">
                  {NO_SERVERS}
                </Alert>
              )}
              {canAct && b.visible.length > 1 && (
                <Stack gap={1} alignItems="center" justifyContent="flex-end">
                  <Text color="secondary" variant="bodySmall">
                    All {formatCount(b.visible.length)} shown:
                  </Text>
                  {SERVER_COMMANDS.map((command) => (
                    <Button
                      key={command}
                      size="sm"
                      variant={command === 'maint' ? 'destructive' : 'secondary'}
                      fill="outline"
                      onClick={() => onBulkCommand(b, command)}
                      aria-label={`${COMMAND_LABELS[command].verb} all ${b.visible.length} shown servers of ${b.backendName}`}
                    >
                      {COMMAND_LABELS[command].verb} all
                    </Button>
                  ))}
                </Stack>
              )}
              {b.visible.length > 0 && (
                <ServerTable servers={b.visible} canAct={canAct} onCommand={onCommand} onMap={onMap} />
              )}
            </Collapse>
          </div>
        ))}
      </div>
      <Pagination currentPage={current} numberOfPages={pages} onNavigate={setPage} hideWhenSinglePage />
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  collapse: css({ marginBottom: theme.spacing(0.5) }),
  name: css({ fontWeight: theme.typography.fontWeightMedium }),
});
