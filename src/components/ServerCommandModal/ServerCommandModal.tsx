import React, { useMemo } from 'react';
import { Alert } from '@grafana/ui';
import type { AgentCommand, CommandOptions, Server } from '../../api/types';
import { formatCount, formatNumber, formatPlural } from '../../utils/format';
import type { Refusal } from '../../utils/guard';
import { agentCheckDrains, maintenanceCommandCannotEnd, trackedDrainHolds } from '../../utils/serverState';
import { CommandModal } from '../CommandModal/CommandModal';

interface Props {
  server: Server;
  command: AgentCommand;
  /** Resolves to the backend's refusal (the dialog shows it), else undefined. */
  onConfirm: (options: CommandOptions) => Promise<Refusal | undefined>;
  onDismiss: () => void;
}

/** How each command reads in buttons (`verb`), confirmation titles (`what` + the server's name) and explanations. */
export const COMMAND_LABELS: Record<AgentCommand, { verb: string; what: string; explain: string }> = {
  drain: {
    verb: 'Drain',
    what: 'Drain server',
    explain: 'HAProxy stops sending new connections to it; existing sessions finish normally.',
  },
  ready: {
    verb: 'Ready',
    what: 'Ready server',
    explain: 'HAProxy puts it back in rotation and sends it traffic again.',
  },
  maint: {
    verb: 'Maint',
    what: 'Maint server',
    explain: 'HAProxy puts it in maintenance: it receives no traffic at all.',
  },
  weight: {
    verb: 'Set weight',
    what: 'Set the weight of server',
    explain:
      'HAProxy sends it new connections in proportion to its weight among the servers of its backend; at 0 it sends it none, and open sessions go on. Its admin state stays as it is.',
  },
  'shutdown-sessions': {
    verb: 'Shut down sessions',
    what: 'Shut down the sessions of server',
    explain:
      'HAProxy closes every session open on it at once. Its admin state and weight stay as they are, so new connections still come: drain it first to stop them.',
  },
};

/**
 * Confirmation of one command, naming the server, its backend and its instance; what takes the server out shows
 * the backend's dry run first (would its budget refuse it?).
 */
export function ServerCommandModal({ server, command, onConfirm, onDismiss }: Props) {
  const { verb, what, explain } = COMMAND_LABELS[command];
  const servers = useMemo(() => [server], [server]);
  const sessions = formatPlural(server.current_sessions ?? 0, 'session');
  const staysInMaint = maintenanceCommandCannotEnd(command, server);
  const drainedByTrack = trackedDrainHolds(command, server);
  const drainedByAgentCheck = agentCheckDrains(command, server);
  return (
    <CommandModal
      title={`${what} ${server.server_name}?`}
      command={command}
      confirmText={verb}
      onConfirm={onConfirm}
      onDismiss={onDismiss}
      dryRunServers={servers}
    >
      <p>
        {what} <strong>{server.server_name}</strong> in backend <strong>{server.backend_name}</strong> on instance{' '}
        <strong>{server.instance_name}</strong>.
      </p>
      <p>{explain}</p>
      {command === 'weight' && (
        <p>
          Its weight is <strong>{formatNumber(server.weight)}</strong>
          {server.initial_weight !== null && `; ${formatNumber(server.initial_weight)} in HAProxy's configuration`}.
        </p>
      )}
      {staysInMaint && (
        <Alert severity="info" title="HAProxy keeps this server in maintenance">
          {staysInMaint} {verb} records what it should be, clears any maintenance set on this server itself, and shows
          once that maintenance ends.
        </Alert>
      )}
      {drainedByTrack && (
        <Alert severity="info" title="HAProxy keeps this server drained">
          {drainedByTrack} {verb} records what it should be, clears any drain set on this server itself, and shows once
          that server is ready.
        </Alert>
      )}
      {drainedByAgentCheck && (
        <Alert severity="info" title="HAProxy's agent-check may drain this server again">
          {drainedByAgentCheck}
        </Alert>
      )}
      {command === 'maint' && (
        <Alert severity="warning" title="Maintenance cuts existing connections">
          Sessions currently open on this server ({formatCount(server.current_sessions ?? 0)}) are cut. Use Drain to let
          them finish first.
        </Alert>
      )}
      {command === 'shutdown-sessions' && (
        <Alert severity="warning" title={`The ${sessions} open on this server are cut now`}>
          Every session open on it when the command arrives is closed at once (this count is the last read): their
          clients see their connections cut, with no time to finish.
        </Alert>
      )}
    </CommandModal>
  );
}
