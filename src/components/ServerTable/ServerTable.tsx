import React, { useMemo } from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Badge,
  Button,
  type Column,
  Dropdown,
  IconButton,
  InteractiveTable,
  Menu,
  Stack,
  Tooltip,
  useStyles2,
} from '@grafana/ui';
import type { AgentCommand, Server, ServerCommand } from '../../api/types';
import { prefixRoute, ROUTES } from '../../constants';
import { formatAgo, formatNumber, formatTime } from '../../utils/format';
import { agentCheckDrains, intentOf, maintenanceCommandCannotEnd, trackedDrainHolds } from '../../utils/serverState';
import { byName } from '../../utils/sort';
import { ServerState } from '../ServerState/ServerState';

interface Props {
  servers: Server[];
  /** Editors and Admins get the command and mapping buttons. */
  canAct: boolean;
  onCommand: (server: Server, command: AgentCommand) => void;
  onMap: (server: Server) => void;
}

/** A command is offered unless the server's intent already is the state it leads to (all when unknown). */
const COMMANDS: Array<{ command: ServerCommand; label: string }> = [
  { command: 'drain', label: 'Drain' },
  { command: 'ready', label: 'Ready' },
  { command: 'maint', label: 'Maint' },
];
/** The agent's other commands, behind a menu: they are rarer, and the row stays short. */
const MORE: Array<{ command: AgentCommand; label: string; destructive?: boolean }> = [
  { command: 'weight', label: 'Set weight' },
  { command: 'shutdown-sessions', label: 'Shut down sessions', destructive: true },
];

export function ServerTable({ servers, canAct, onCommand, onMap }: Props) {
  const styles = useStyles2(getStyles);
  const columns = useMemo<Array<Column<Server>>>(() => {
    const cols: Array<Column<Server>> = [
      {
        id: 'server_name',
        header: 'Server',
        sortType: byName(),
        cell: ({ row }) => (
          <Stack direction="column" gap={0}>
            <Link className={styles.name} to={`${prefixRoute(ROUTES.Servers)}/${row.original.id}`}>
              {row.original.server_name}
            </Link>
            {row.original.tracks && (
              <Tooltip
                content={`It follows ${row.original.tracks} through HAProxy's track: it goes out whenever that server does, and the disruption budgets count it so.`}
              >
                <span className={styles.nameNote}>tracks {row.original.tracks}</span>
              </Tooltip>
            )}
            {row.original.backup && (
              <Tooltip content="A backup server: HAProxy sends it traffic only when no active server of this backend can take it. The disruption budgets count it, one per backend, only while no active server is available.">
                <span className={styles.nameNote}>backup</span>
              </Tooltip>
            )}
          </Stack>
        ),
      },
      { id: 'address', header: 'Address', cell: ({ row }) => row.original.address ?? '—' },
      {
        id: 'status',
        header: 'Status',
        sortType: 'string',
        cell: ({ row }) => <ServerState server={row.original} />,
      },
      { id: 'weight', header: 'Weight', sortType: 'number', cell: ({ row }) => formatNumber(row.original.weight) },
      {
        id: 'current_sessions',
        header: 'Sessions (cur / max)',
        sortType: 'number',
        cell: ({ row }) =>
          `${formatNumber(row.original.current_sessions)} / ${formatNumber(row.original.max_sessions)}`,
      },
      {
        id: 'application_name',
        header: 'Application',
        cell: ({ row }) => {
          const s = row.original;
          return (
            <Stack gap={1} alignItems="center">
              {s.application_name ? (
                <span>
                  <Link to={`${prefixRoute(ROUTES.Applications)}/${s.application_id}`}>{s.application_name}</Link>{' '}
                  {s.mapping_kind && (
                    <Badge color={s.mapping_kind === 'manual' ? 'blue' : 'darkgrey'} text={s.mapping_kind} />
                  )}
                </span>
              ) : (
                <span className={styles.muted}>unmapped</span>
              )}
              {canAct && (
                <Button
                  size="sm"
                  variant="secondary"
                  fill="text"
                  icon="link"
                  aria-label={`Map ${s.server_name} to an application`}
                  onClick={() => onMap(s)}
                >
                  {s.application_id ? 'Change' : 'Map'}
                </Button>
              )}
            </Stack>
          );
        },
      },
      {
        id: 'status_changed_at',
        header: 'Last change',
        cell: ({ row }) => (
          <Tooltip content={formatTime(row.original.status_changed_at)}>
            <span>{formatAgo(row.original.status_changed_at)}</span>
          </Tooltip>
        ),
      },
    ];
    if (canAct) {
      cols.push({
        id: 'actions',
        header: undefined,
        disableGrow: true,
        cell: ({ row }) => (
          <Stack gap={1}>
            {COMMANDS.filter((c) => c.command !== intentOf(row.original)).map((c) => {
              // Ready is the usual way back, unless HAProxy's own state (track, DNS) or agent-check outranks it.
              const outranked =
                maintenanceCommandCannotEnd(c.command, row.original) ??
                trackedDrainHolds(c.command, row.original) ??
                agentCheckDrains(c.command, row.original);
              const button = (
                <Button
                  key={c.command}
                  size="sm"
                  variant={c.command === 'ready' && !outranked ? 'primary' : 'secondary'}
                  aria-label={`${c.label} ${row.original.server_name}`}
                  onClick={() => onCommand(row.original, c.command)}
                >
                  {c.label}
                </Button>
              );
              return outranked ? (
                <Tooltip key={c.command} content={outranked}>
                  {button}
                </Tooltip>
              ) : (
                button
              );
            })}
            <Dropdown
              overlay={
                <Menu>
                  {MORE.map((c) => (
                    <Menu.Item
                      key={c.command}
                      label={c.label}
                      destructive={c.destructive}
                      onClick={() => onCommand(row.original, c.command)}
                    />
                  ))}
                </Menu>
              }
            >
              <IconButton name="ellipsis-v" aria-label={`More actions for ${row.original.server_name}`} />
            </Dropdown>
          </Stack>
        ),
      });
    }
    return cols;
  }, [canAct, onCommand, onMap, styles]);

  return <InteractiveTable columns={columns} data={servers} getRowId={(s: Server) => String(s.id)} />;
}

const getStyles = (theme: GrafanaTheme2) => ({
  muted: css({ color: theme.colors.text.secondary }),
  // HAProxy names have no length limit and no spaces: a long one wraps rather than widening the table.
  name: css({ overflowWrap: 'anywhere' }),
  // A line under the name: what it tracks, or that it is a backup.
  nameNote: css({
    overflowWrap: 'anywhere',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
