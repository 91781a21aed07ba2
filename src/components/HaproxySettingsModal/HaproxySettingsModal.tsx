import React from 'react';
import { Alert, Collapse, LoadingPlaceholder, Modal, Stack, Text } from '@grafana/ui';
import type { Host, Instance } from '../../api/types';
import { useInstances } from '../../data/useInstances';
import { InstanceBackends } from '../InstanceBackends/InstanceBackends';
import { SyncStatusBadge } from '../InstanceList/InstanceList';

interface Props {
  host: Host;
  onDismiss: () => void;
}

function InstanceSection({ instance }: { instance: Instance }) {
  const [open, setOpen] = React.useState(false);
  return (
    <Collapse
      isOpen={open}
      onToggle={setOpen}
      label={
        <Stack gap={1} alignItems="center">
          <strong>{instance.name}</strong>
          <SyncStatusBadge instance={instance} />
          <Text color="secondary" variant="bodySmall">
            {instance.backend_count} backend{instance.backend_count === 1 ? '' : 's'}
          </Text>
        </Stack>
      }
    >
      {/* Rendered only while open: the backends are requested on the first expand. */}
      <InstanceBackends instanceId={instance.id} />
    </Collapse>
  );
}

/** Seed 5.2: the "HAProxy settings" modal of a server (host) page. */
export function HaproxySettingsModal({ host, onDismiss }: Props) {
  const instances = useInstances({ hostId: host.id });
  const count = instances.data?.length ?? 0;
  return (
    <Modal title={`HAProxy settings — ${host.name}`} isOpen onDismiss={onDismiss}>
      {instances.loading && <LoadingPlaceholder text="Loading instances..." />}
      {instances.error && (
        <Alert severity="error" title="Instances could not be loaded">
          {instances.error.message}
        </Alert>
      )}
      {instances.data && (
        <Stack direction="column" gap={1}>
          <Text element="h3" variant="h5">
            {count} HAProxy instance{count === 1 ? '' : 's'}
          </Text>
          {count === 0 && <Text color="secondary">No HAProxy instance is registered on this host.</Text>}
          {instances.data.map((instance) => (
            <InstanceSection key={instance.id} instance={instance} />
          ))}
        </Stack>
      )}
    </Modal>
  );
}
