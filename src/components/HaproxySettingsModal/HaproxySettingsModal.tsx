import React, { useMemo } from 'react';
import { Alert, Collapse, LoadingPlaceholder, Modal, Stack, Text, useStyles2 } from '@grafana/ui';
import type { Host, Instance } from '../../api/types';
import { useInstances } from '../../data/useInstances';
import { InstanceBackends } from '../InstanceBackends/InstanceBackends';
import { formatPlural } from '../../utils/format';
import { compareNames } from '../../utils/sort';
import { getNameStyles } from '../../utils/styles';
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
            {formatPlural(instance.backend_count, 'backend')}
          </Text>
        </Stack>
      }
    >
      {/* Rendered only while open: the backends are requested on the first expand. */}
      <InstanceBackends instanceId={instance.id} />
    </Collapse>
  );
}

/** The "HAProxy settings" modal of a host's page: its instances, each with its backends on demand. */
export function HaproxySettingsModal({ host, onDismiss }: Props) {
  const nameStyles = useStyles2(getNameStyles);
  const instances = useInstances({ hostId: host.id });
  const sorted = useMemo(
    () => [...(instances.data ?? [])].sort((a, b) => compareNames(a.name, b.name)),
    [instances.data]
  );
  return (
    <Modal className={nameStyles.names} title={`HAProxy settings — ${host.name}`} isOpen onDismiss={onDismiss}>
      {instances.loading && <LoadingPlaceholder text="Loading instances..." />}
      {instances.error && (
        <Alert severity="error" title="Instances could not be loaded">
          {instances.error.message}
        </Alert>
      )}
      {instances.data && (
        <Stack direction="column" gap={1}>
          <Text element="h3" variant="h5">
            {formatPlural(sorted.length, 'HAProxy instance')}
          </Text>
          {sorted.length === 0 && <Text color="secondary">No HAProxy instance is registered on this host.</Text>}
          {sorted.map((instance) => (
            <InstanceSection key={instance.id} instance={instance} />
          ))}
        </Stack>
      )}
    </Modal>
  );
}
