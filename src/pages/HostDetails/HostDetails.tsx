import React, { useCallback, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Badge, Button, Card, LinkButton, LoadingPlaceholder, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import type { Instance } from '../../api/types';
import { adminChangesHref } from '../../components/AdminChangeFilters/AdminChangeFilters.utils';
import { AgentTestResult } from '../../components/AgentTestResult/AgentTestResult';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { HaproxySettingsModal } from '../../components/HaproxySettingsModal/HaproxySettingsModal';
import { HostDeleteModal } from '../../components/HostDeleteModal/HostDeleteModal';
import { HostForm } from '../../components/HostForm/HostForm';
import { InstanceAdminList } from '../../components/InstanceAdminList/InstanceAdminList';
import { InstanceForm } from '../../components/InstanceForm/InstanceForm';
import { LoadError } from '../../components/LoadError/LoadError';
import { NotFound } from '../../components/NotFound/NotFound';
import { ROUTES, prefixRoute } from '../../constants';
import { useAgentTest } from '../../data/useAgentTest';
import { useHost, useHostMutations } from '../../data/useHosts';
import { useInstanceMutations, useInstances, useInstanceSync } from '../../data/useInstances';
import { formatPlural, formatTime } from '../../utils/format';
import { canUserAct, canUserAdminister } from '../../utils/roles';
import { getNameStyles } from '../../utils/styles';

type Dialog =
  { kind: 'settings' } | { kind: 'edit-host' } | { kind: 'delete-host' } | { kind: 'instance'; instance?: Instance };

/** One host: its agent and its HAProxy instances; Admins register, change and remove them here. */
function HostDetailsPage() {
  const { id } = useParams<{ id: string }>();
  const hostId = Number(id);
  const navigate = useNavigate();
  const nameStyles = useStyles2(getNameStyles);
  const host = useHost(hostId);
  const instances = useInstances({ hostId, enabled: Number.isInteger(hostId) && hostId > 0 });
  const [dialog, setDialog] = useState<Dialog>();
  const canAct = canUserAct();
  const canAdmin = canUserAdminister();
  const agentTest = useAgentTest();
  const { sync, syncing } = useInstanceSync();
  const { reload: reloadHost } = host;
  const { reload: reloadInstances } = instances;
  const reloadAll = useCallback(() => {
    reloadHost();
    reloadInstances();
  }, [reloadHost, reloadInstances]);
  const hostMutations = useHostMutations(reloadAll);
  const instanceMutations = useInstanceMutations(reloadAll);
  const close = () => setDialog(undefined);

  // Either request out of reach is the page's banner (as on the HAProxy page): a section left blank says nothing.
  const connectionError = [host.error, instances.error].find(isConnectionProblem);
  if (connectionError) {
    return (
      <PluginPage>
        <ConnectionBanner error={connectionError} onRetry={reloadAll} />
      </PluginPage>
    );
  }
  const back = (
    <TextLink href={prefixRoute(ROUTES.Hosts)} icon="arrow-left" inline={false}>
      All hosts
    </TextLink>
  );
  if (!Number.isInteger(hostId) || hostId <= 0 || host.error?.kind === 'not_found') {
    return <NotFound what="host" id={id} back={back} />;
  }

  const h = host.data;
  return (
    <PluginPage pageNav={{ text: h?.name ?? `Host ${hostId}` }}>
      <Stack direction="column" gap={2}>
        {back}
        {host.loading && <LoadingPlaceholder text="Loading host..." />}
        {host.error && <LoadError title="The host could not be loaded" error={host.error} onRetry={reloadAll} />}
        {h && (
          <Card className={nameStyles.names}>
            <Card.Heading>{h.name}</Card.Heading>
            <Card.Meta>
              {[
                h.address ?? 'no address',
                h.fagent_url,
                h.has_fagent_token ? 'agent token set' : 'default agent token',
                `updated ${formatTime(h.updated_at)}`,
              ]}
            </Card.Meta>
            <Card.Tags>
              {h.is_active ? <Badge color="green" text="active" /> : <Badge color="darkgrey" text="inactive" />}
            </Card.Tags>
            <Card.Description>
              <Text>{formatPlural(h.instance_count, 'HAProxy instance')}</Text>
            </Card.Description>
            <Card.Actions>
              <Button icon="cog" variant="secondary" onClick={() => setDialog({ kind: 'settings' })}>
                HAProxy settings
              </Button>
              {canAdmin && (
                <>
                  <Button
                    icon={agentTest.testing ? 'spinner' : 'heart-rate'}
                    variant="secondary"
                    disabled={agentTest.testing}
                    onClick={() => agentTest.run(h.id)}
                  >
                    Test agent
                  </Button>
                  <Button icon="pen" variant="secondary" onClick={() => setDialog({ kind: 'edit-host' })}>
                    Edit host
                  </Button>
                  <Button
                    icon={h.is_active ? 'pause' : 'play'}
                    variant="secondary"
                    onClick={() => hostMutations.setActive(h, !h.is_active)}
                  >
                    {h.is_active ? 'Deactivate host' : 'Activate host'}
                  </Button>
                  <LinkButton icon="history" variant="secondary" href={adminChangesHref('host', h.id)}>
                    Changes
                  </LinkButton>
                </>
              )}
            </Card.Actions>
            {canAdmin && (
              <Card.SecondaryActions>
                <Button
                  icon="trash-alt"
                  variant="destructive"
                  fill="text"
                  onClick={() => setDialog({ kind: 'delete-host' })}
                >
                  Delete host
                </Button>
              </Card.SecondaryActions>
            )}
          </Card>
        )}
        {(agentTest.result || agentTest.error) && (
          <AgentTestResult result={agentTest.result} refusal={agentTest.error?.message} />
        )}

        <Stack justifyContent="space-between" alignItems="center">
          <Text element="h2" variant="h4">
            HAProxy instances
          </Text>
          {canAdmin && h && (
            <Button icon="plus" onClick={() => setDialog({ kind: 'instance' })}>
              Add instance
            </Button>
          )}
        </Stack>
        {instances.error && (
          <LoadError title="Instances could not be loaded" error={instances.error} onRetry={reloadInstances} />
        )}
        {instances.data?.length === 0 && (
          <Text color="secondary">
            No HAProxy instance is registered on this host{canAdmin ? ': add the one its agent serves.' : '.'}
          </Text>
        )}
        {instances.data && (
          <InstanceAdminList
            instances={instances.data}
            canAct={canAct}
            canAdmin={canAdmin}
            syncing={syncing}
            onSync={(i) => sync(i).then(reloadAll)}
            onEdit={(instance) => setDialog({ kind: 'instance', instance })}
            onSetActive={instanceMutations.setActive}
            onDelete={instanceMutations.remove}
            onConfirmRemovals={instanceMutations.confirmRemovals}
          />
        )}
      </Stack>

      {dialog?.kind === 'settings' && h && <HaproxySettingsModal host={h} onDismiss={close} />}
      {dialog?.kind === 'edit-host' && h && (
        <HostForm host={h} onSave={(input) => hostMutations.save(h, input)} onDismiss={close} />
      )}
      {dialog?.kind === 'delete-host' && h && (
        <HostDeleteModal
          host={h}
          instances={instances.data}
          onDelete={async () => {
            close();
            if (await hostMutations.remove(h)) {
              navigate(prefixRoute(ROUTES.Hosts));
            }
          }}
          onDeactivate={() => {
            close();
            hostMutations.setActive(h, false);
          }}
          onDismiss={close}
        />
      )}
      {dialog?.kind === 'instance' && h && (
        <InstanceForm
          hostId={h.id}
          hostName={h.name}
          instance={dialog.instance}
          onSave={(request) => instanceMutations.save(dialog.instance, request)}
          onDismiss={close}
        />
      )}
    </PluginPage>
  );
}

export default HostDetailsPage;
