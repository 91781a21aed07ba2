import React from 'react';
import { Alert } from '@grafana/ui';
import type { CommandOptions, Server, ServerCommand } from '../../api/types';
import { formatCount, formatPlural } from '../../utils/format';
import { CommandModal } from '../CommandModal/CommandModal';
import { COMMAND_LABELS } from '../ServerCommandModal/ServerCommandModal';

interface Props {
  servers: Server[];
  backendName: string;
  instanceName: string;
  command: ServerCommand;
  /** Resolves to the backend's message when it refused the input (the dialog shows it), else undefined. */
  onConfirm: (options: CommandOptions) => Promise<string | undefined>;
  onDismiss: () => void;
}

const NAMES_SHOWN = 10;

/** Confirmation of one command on every shown server of a backend, naming them, the backend and the instance. */
export function BulkCommandModal({ servers, backendName, instanceName, command, onConfirm, onDismiss }: Props) {
  const { verb, explain } = COMMAND_LABELS[command];
  const names = servers.slice(0, NAMES_SHOWN).map((s) => s.server_name);
  const more = servers.length - names.length;
  const sessions = servers.reduce((sum, s) => sum + (s.current_sessions ?? 0), 0);
  const count = formatPlural(servers.length, 'server');
  return (
    <CommandModal
      title={`${verb} ${count} of backend ${backendName}?`}
      command={command}
      confirmText={`${verb} ${count}`}
      onConfirm={onConfirm}
      onDismiss={onDismiss}
    >
      <p>
        <strong>{verb}</strong> {count} in backend <strong>{backendName}</strong> on instance{' '}
        <strong>{instanceName}</strong>: {names.join(', ')}
        {more > 0 && ` and ${formatCount(more)} more`}.
      </p>
      <p>{explain}</p>
      {command === 'maint' && (
        <Alert severity="warning" title="Maintenance cuts existing connections">
          Sessions currently open on these servers ({formatCount(sessions)}) are cut. Use Drain to let them finish
          first.
        </Alert>
      )}
    </CommandModal>
  );
}
