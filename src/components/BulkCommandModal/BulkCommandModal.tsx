import React from 'react';
import { Alert, ConfirmModal } from '@grafana/ui';
import type { Server, ServerCommand } from '../../api/types';
import { formatCount, formatPlural } from '../../utils/format';
import { COMMAND_LABELS } from '../ServerCommandModal/ServerCommandModal';

interface Props {
  servers: Server[];
  backendName: string;
  instanceName: string;
  command: ServerCommand;
  onConfirm: () => Promise<void>;
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
    <ConfirmModal
      isOpen
      title={`${verb} ${count} of backend ${backendName}?`}
      body={
        <div>
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
        </div>
      }
      confirmText={`${verb} ${count}`}
      onConfirm={onConfirm}
      onDismiss={onDismiss}
    />
  );
}
