import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Card, ConfirmModal, Stack, Text, useStyles2 } from '@grafana/ui';
import type { Instance } from '../../api/types';
import { formatAgo, formatPlural } from '../../utils/format';
import { compareNames } from '../../utils/sort';
import { getNameStyles } from '../../utils/styles';
import { SyncStatusBadge } from '../InstanceList/InstanceList';
import { hasHeldRemoval, HeldRemovalBadge, SuspiciousAnswerAlert } from '../SuspiciousAnswer/SuspiciousAnswerAlert';

interface Props {
  instances: Instance[];
  canAct: boolean;
  canAdmin: boolean;
  syncing: number[];
  onSync: (instance: Instance) => void;
  onEdit: (instance: Instance) => void;
  onSetActive: (instance: Instance, active: boolean) => void;
  onDelete: (instance: Instance) => Promise<unknown>;
  onConfirmRemovals: (instance: Instance) => Promise<unknown>;
}

export const scopeText = (scope: string[] | null) => (scope ? `only ${scope.join(', ')}` : 'every backend');

/** A host's HAProxy instances: state, scope and held removals; Editors sync, Admins edit, (de)activate, delete. */
export function InstanceAdminList(props: Props) {
  const { instances, canAct, canAdmin, syncing } = props;
  const [deleting, setDeleting] = useState<Instance>();
  const styles = useStyles2(getStyles);
  const nameStyles = useStyles2(getNameStyles);
  const sorted = useMemo(() => [...instances].sort((a, b) => compareNames(a.name, b.name)), [instances]);
  return (
    <ul className={styles.list}>
      {sorted.map((instance) => (
        <li key={instance.id} aria-label={`Instance ${instance.name}`}>
          <Card className={nameStyles.names}>
            <Card.Heading>{instance.name}</Card.Heading>
            <Card.Meta>
              {[
                `polls ${scopeText(instance.backend_scope)}`,
                `${formatPlural(instance.backend_count, 'backend')}, ${formatPlural(instance.server_count, 'server')}`,
                `last sync ${formatAgo(instance.last_sync_at)}`,
                instance.socket_path ?? 'no socket path',
              ]}
            </Card.Meta>
            <Card.Tags>
              <Stack gap={1}>
                <SyncStatusBadge instance={instance} />
                <HeldRemovalBadge instance={instance} />
              </Stack>
            </Card.Tags>
            <Card.Description>
              {instance.last_sync_success === false && instance.last_sync_error && (
                <Text color="error" variant="bodySmall">
                  {instance.last_sync_error}
                </Text>
              )}
              {hasHeldRemoval(instance) && (
                <SuspiciousAnswerAlert
                  instance={instance}
                  onConfirm={canAdmin ? () => props.onConfirmRemovals(instance) : undefined}
                />
              )}
            </Card.Description>
            {(canAct || canAdmin) && (
              <Card.Actions>
                {canAct && (
                  <Button
                    size="sm"
                    variant="secondary"
                    icon={syncing.includes(instance.id) ? 'spinner' : 'sync'}
                    disabled={syncing.includes(instance.id) || !instance.is_active}
                    aria-label={`Sync ${instance.name} now`}
                    onClick={() => props.onSync(instance)}
                  >
                    Sync now
                  </Button>
                )}
                {canAdmin && (
                  <>
                    <Button
                      size="sm"
                      variant="secondary"
                      icon="pen"
                      aria-label={`Edit ${instance.name}`}
                      onClick={() => props.onEdit(instance)}
                    >
                      Edit
                    </Button>
                    <Button
                      size="sm"
                      variant="secondary"
                      icon={instance.is_active ? 'pause' : 'play'}
                      aria-label={`${instance.is_active ? 'Deactivate' : 'Activate'} ${instance.name}`}
                      onClick={() => props.onSetActive(instance, !instance.is_active)}
                    >
                      {instance.is_active ? 'Deactivate' : 'Activate'}
                    </Button>
                  </>
                )}
              </Card.Actions>
            )}
            {canAdmin && (
              <Card.SecondaryActions>
                <Button
                  size="sm"
                  variant="destructive"
                  fill="text"
                  icon="trash-alt"
                  aria-label={`Delete ${instance.name}`}
                  onClick={() => setDeleting(instance)}
                >
                  Delete
                </Button>
              </Card.SecondaryActions>
            )}
          </Card>
        </li>
      ))}
      {deleting && (
        <ConfirmModal
          isOpen
          modalClass={nameStyles.names}
          title={`Delete instance ${deleting.name}?`}
          body={`Its ${formatPlural(deleting.backend_count, 'backend')} and ${formatPlural(deleting.server_count, 'server')} go with it, with their status history and trends. The audit log keeps every command on them, by name. To keep everything, deactivate it instead: it is no longer polled.`}
          confirmText="Delete instance"
          alternativeText={deleting.is_active ? 'Deactivate instead' : undefined}
          onAlternative={() => {
            props.onSetActive(deleting, false);
            setDeleting(undefined);
          }}
          onConfirm={async () => {
            const target = deleting;
            setDeleting(undefined);
            await props.onDelete(target);
          }}
          onDismiss={() => setDeleting(undefined)}
        />
      )}
    </ul>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
});
