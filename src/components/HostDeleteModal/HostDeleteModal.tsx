import React from 'react';
import { ConfirmModal, useStyles2 } from '@grafana/ui';
import type { Host, Instance } from '../../api/types';
import { formatPlural } from '../../utils/format';
import { getNameStyles } from '../../utils/styles';

interface Props {
  host: Host;
  /** Its instances as loaded; undefined while they are not (loading, or their request failed). */
  instances: Instance[] | undefined;
  onDelete: () => void;
  onDeactivate: () => void;
  onDismiss: () => void;
}

/**
 * What deleting a host takes with it, said as the schema does it: its instances, their backends, servers, status
 * history and trends go (ON DELETE CASCADE); the audit log keeps every command by name; applications stay without
 * a host. Deactivating keeps everything, so it is offered first; a host with instances is deleted only after its
 * name is typed. Instances not loaded are counted from the host's own count, never taken for none.
 */
export function HostDeleteModal({ host, instances, onDelete, onDeactivate, onDismiss }: Props) {
  const nameStyles = useStyles2(getNameStyles);
  const count = instances?.length ?? host.instance_count;
  const backends = (instances ?? []).reduce((n, i) => n + i.backend_count, 0);
  const servers = (instances ?? []).reduce((n, i) => n + i.server_count, 0);
  const what = instances
    ? `(${instances.map((i) => i.name).join(', ')}) go with it: ${formatPlural(backends, 'backend')}, ${formatPlural(servers, 'server')}, their status history and trends.`
    : 'go with it, with their backends, servers, status history and trends.';
  const body =
    count === 0
      ? 'It has no HAProxy instance. Applications on this host stay, without a host.'
      : `Its ${formatPlural(count, 'HAProxy instance')} ${what} The audit log keeps every command on them, by name. Applications on this host stay, without a host. To keep everything, deactivate the host instead: it is no longer polled.`;
  return (
    <ConfirmModal
      isOpen
      modalClass={nameStyles.names}
      title={`Delete host ${host.name}?`}
      body={body}
      confirmText="Delete host"
      confirmationText={count > 0 ? host.name : undefined}
      alternativeText={host.is_active && count > 0 ? 'Deactivate instead' : undefined}
      onAlternative={onDeactivate}
      onConfirm={onDelete}
      onDismiss={onDismiss}
    />
  );
}
