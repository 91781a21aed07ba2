import React from 'react';
import { Alert } from '@grafana/ui';
import type { CommandOptions, Server, ServerCommand } from '../../api/types';
import { useCommandDryRun } from '../../data/useDryRun';
import { formatCount } from '../../utils/format';
import type { Refusal } from '../../utils/guard';
import { CommandModal } from '../CommandModal/CommandModal';
import { DryRunPreview } from '../DryRunPreview/DryRunPreview';

interface Props {
  server: Server;
  command: ServerCommand;
  /** Resolves to the backend's refusal (the dialog shows it), else undefined. */
  onConfirm: (options: CommandOptions) => Promise<Refusal | undefined>;
  onDismiss: () => void;
}

/** How each command reads in confirmations. */
export const COMMAND_LABELS: Record<ServerCommand, { verb: string; explain: string }> = {
  drain: {
    verb: 'Drain',
    explain: 'HAProxy stops sending new connections to it; existing sessions finish normally.',
  },
  ready: { verb: 'Ready', explain: 'HAProxy puts it back in rotation and sends it traffic again.' },
  maint: {
    verb: 'Maint',
    explain: 'HAProxy puts it in maintenance: it receives no traffic at all.',
  },
};

/**
 * Confirmation of one command, naming the server, its backend and its instance; what takes the server out shows
 * the backend's dry run first (would its budget refuse it?).
 */
export function ServerCommandModal({ server, command, onConfirm, onDismiss }: Props) {
  const { verb, explain } = COMMAND_LABELS[command];
  const dryRun = useCommandDryRun([server.id], command);
  return (
    <CommandModal
      title={`${verb} server ${server.server_name}?`}
      command={command}
      confirmText={verb}
      onConfirm={onConfirm}
      onDismiss={onDismiss}
      preview={dryRun.enabled && <DryRunPreview dryRun={dryRun} servers={[server]} />}
      offerForce={dryRun.data?.servers.some((s) => s.would === 'refuse')}
    >
      <p>
        <strong>{verb}</strong> server <strong>{server.server_name}</strong> in backend{' '}
        <strong>{server.backend_name}</strong> on instance <strong>{server.instance_name}</strong>.
      </p>
      <p>{explain}</p>
      {command === 'maint' && (
        <Alert severity="warning" title="Maintenance cuts existing connections">
          Sessions currently open on this server ({formatCount(server.current_sessions ?? 0)}) are cut. Use Drain to let
          them finish first.
        </Alert>
      )}
    </CommandModal>
  );
}
