import React, { useState } from 'react';
import { Alert } from '@grafana/ui';
import type { CommandOptions, Server, ServerCommand } from '../../api/types';
import { formatCount, formatPlural, formatServerNames } from '../../utils/format';
import type { Refusal } from '../../utils/guard';
import { agentCheckDrains, maintenanceCommandCannotEnd, trackedDrainHolds } from '../../utils/serverState';
import { CommandModal } from '../CommandModal/CommandModal';
import { COMMAND_LABELS } from '../ServerCommandModal/ServerCommandModal';

interface Props {
  servers: Server[];
  backendName: string;
  instanceName: string;
  command: ServerCommand;
  /** Sends to `targets`; resolves to the backend's refusal (the dialog shows it), else undefined. */
  onConfirm: (options: CommandOptions, targets: Server[]) => Promise<Refusal | undefined>;
  onDismiss: () => void;
}

/**
 * Confirmation of one command on every shown server of a backend, naming them, the backend and the instance, with
 * the backend's dry run first. When a budget kept some in, sending again (forced) goes to those only: the others
 * are already done.
 */
export function BulkCommandModal({ servers, backendName, instanceName, command, onConfirm, onDismiss }: Props) {
  const { verb, explain } = COMMAND_LABELS[command];
  const [targets, setTargets] = useState(servers);
  const sessions = targets.reduce((sum, s) => sum + (s.current_sessions ?? 0), 0);
  const count = formatPlural(targets.length, 'server');
  const staying = targets.filter((s) => maintenanceCommandCannotEnd(command, s));
  const trackDrained = targets.filter((s) => trackedDrainHolds(command, s));
  const redrained = targets.filter((s) => agentCheckDrains(command, s));
  const confirm = async (options: CommandOptions) => {
    const refusal = await onConfirm(options, targets);
    const kept = refusal?.refused?.map((r) => r.id);
    if (kept && kept.length > 0) {
      setTargets(targets.filter((s) => kept.includes(s.id)));
    }
    return refusal;
  };
  return (
    <CommandModal
      // Once a budget kept some in, what is sent again is those only: the title counts them, as the button does.
      title={`${verb} ${count} of backend ${backendName}?`}
      command={command}
      confirmText={`${verb} ${count}`}
      onConfirm={confirm}
      onDismiss={onDismiss}
      // Once a budget kept some in, the dialog shows that refusal rather than the first dry run.
      dryRunServers={targets === servers ? servers : undefined}
    >
      <p>
        <strong>{verb}</strong> {count} in backend <strong>{backendName}</strong> on instance{' '}
        <strong>{instanceName}</strong>: {formatServerNames(targets)}.
      </p>
      <p>{explain}</p>
      {staying.length > 0 && (
        <Alert severity="info" title={`HAProxy keeps ${formatPlural(staying.length, 'server')} in maintenance`}>
          {formatServerNames(staying)}: their maintenance is inherited from the servers they track or waits for DNS to
          resolve their address. {verb} records what they should be, and shows once that maintenance ends.
        </Alert>
      )}
      {trackDrained.length > 0 && (
        <Alert severity="info" title={`HAProxy keeps ${formatPlural(trackDrained.length, 'server')} drained`}>
          {formatServerNames(trackDrained)}: their drain is inherited from the servers they track. {verb} records what
          they should be, and shows once those servers are ready.
        </Alert>
      )}
      {redrained.length > 0 && (
        <Alert
          severity="info"
          title={`HAProxy's agent-check may drain ${formatPlural(redrained.length, 'server')} again`}
        >
          {formatServerNames(redrained)}
          {`: HAProxy shows them "DRAIN (agent)", drained by their agent-check's answer or at the stats socket (HAProxy
          shows both so). Where the agent answers drain, HAProxy takes ready, then drains them again at the next
          check, until the agent answers ready.`}
        </Alert>
      )}
      {command === 'maint' && (
        <Alert severity="warning" title="Maintenance cuts existing connections">
          Sessions currently open on these servers ({formatCount(sessions)}) are cut. Use Drain to let them finish
          first.
        </Alert>
      )}
    </CommandModal>
  );
}
