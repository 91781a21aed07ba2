import React, { useCallback, useState } from 'react';
import { Alert, Button, LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import {
  SERVER_COMMANDS,
  type AgentCommand,
  type FleetBackend,
  type Server,
  type ServerCommand,
  type ServerFilterParams,
} from '../../api/types';
import { COMMAND_LABELS } from '../../components/ServerCommandModal/ServerCommandModal';
import { ServerTable } from '../../components/ServerTable/ServerTable';
import { useBackendServers } from '../../data/useBackendServers';
import { formatCount } from '../../utils/format';

/** How many servers an opened backend shows at first, and how many more each "Show more" adds. */
export const SERVERS_PER_PAGE = 100;

/** Puts the backend's answer for one server in place (after a command or a mapping). */
export type ApplyServer = (server: Server) => void;

interface Props {
  backend: FleetBackend;
  filter: ServerFilterParams;
  refreshMs: number;
  canAct: boolean;
  onCommand: (server: Server, command: AgentCommand, apply: ApplyServer) => void;
  /** One command on every server of the backend that the filters show; `reload` after it. */
  onBulkCommand: (backend: FleetBackend, command: ServerCommand, reload: () => void) => void;
  /** A rolling drain job on every server of the backend (filters aside); `servers`: those on screen. */
  onRollingDrain: (backend: FleetBackend, servers: Server[]) => void;
  onMap: (server: Server, apply: ApplyServer) => void;
}

/**
 * An opened backend of the HAProxy page: its servers that the filters select, read when it opens and refreshed
 * with the page, the first hundred and more on demand; the commands on all of them.
 */
export function BackendServers({
  backend,
  filter,
  refreshMs,
  canAct,
  onCommand,
  onBulkCommand,
  onRollingDrain,
  onMap,
}: Props) {
  const [limit, setLimit] = useState(SERVERS_PER_PAGE);
  const servers = useBackendServers(backend.id, filter, { limit, refreshMs });
  const { updateServer, reload } = servers;
  const command = useCallback(
    (server: Server, c: AgentCommand) => onCommand(server, c, updateServer),
    [onCommand, updateServer]
  );
  const map = useCallback((server: Server) => onMap(server, updateServer), [onMap, updateServer]);
  const list = servers.data;

  return (
    <Stack direction="column" gap={1}>
      {canAct && (
        <Stack gap={1} alignItems="center" justifyContent="flex-end" wrap="wrap">
          {backend.shown > 1 && (
            <>
              <Text color="secondary" variant="bodySmall">
                All {formatCount(backend.shown)} shown:
              </Text>
              {SERVER_COMMANDS.map((c) => (
                <Button
                  key={c}
                  size="sm"
                  variant={c === 'maint' ? 'destructive' : 'secondary'}
                  fill="outline"
                  onClick={() => onBulkCommand(backend, c, reload)}
                  aria-label={`${COMMAND_LABELS[c].verb} all ${backend.shown} shown servers of ${backend.name}`}
                >
                  {COMMAND_LABELS[c].verb} all
                </Button>
              ))}
            </>
          )}
          <Button
            size="sm"
            variant="secondary"
            fill="outline"
            icon="sync"
            tooltip="A job that drains its servers a few at a time, waits for their sessions to end, then the next"
            onClick={() => onRollingDrain(backend, list?.servers ?? [])}
            aria-label={`Rolling drain of backend ${backend.name}`}
          >
            Rolling drain
          </Button>
        </Stack>
      )}
      {servers.error && (
        <Alert severity="error" title={`Servers of ${backend.name} could not be loaded`}>
          {servers.error.message}
        </Alert>
      )}
      {!list && servers.loading && <LoadingPlaceholder text="Loading servers..." />}
      {list && list.servers.length > 0 && (
        <ServerTable servers={list.servers} canAct={canAct} onCommand={command} onMap={map} />
      )}
      {list && list.total > list.servers.length && (
        <Stack gap={1} alignItems="center">
          <Text color="secondary" variant="bodySmall">
            {formatCount(list.servers.length)} of {formatCount(list.total)} shown
          </Text>
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            disabled={servers.loading}
            onClick={() => setLimit((n) => n + SERVERS_PER_PAGE)}
          >
            Show {formatCount(Math.min(SERVERS_PER_PAGE, list.total - list.servers.length))} more
          </Button>
        </Stack>
      )}
    </Stack>
  );
}
