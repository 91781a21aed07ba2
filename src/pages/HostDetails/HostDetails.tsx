import React, { useState } from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, Card, LoadingPlaceholder, Stack, Text, TextLink } from '@grafana/ui';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { HaproxySettingsModal } from '../../components/HaproxySettingsModal/HaproxySettingsModal';
import { ROUTES, prefixRoute } from '../../constants';
import { useHost } from '../../data/useHosts';
import { formatPlural, formatTime } from '../../utils/format';

/** One host: its details and the "HAProxy settings" button (its instances and backends). */
function HostDetailsPage() {
  const { id } = useParams<{ id: string }>();
  const hostId = Number(id);
  const host = useHost(hostId);
  const [modalOpen, setModalOpen] = useState(false);

  if (isConnectionProblem(host.error)) {
    return (
      <PluginPage>
        <ConnectionBanner error={host.error} />
      </PluginPage>
    );
  }
  const back = (
    <TextLink href={prefixRoute(ROUTES.Hosts)} icon="arrow-left" inline={false}>
      All hosts
    </TextLink>
  );
  if (!Number.isInteger(hostId) || hostId <= 0 || host.error?.kind === 'not_found') {
    return (
      <PluginPage>
        <Alert severity="warning" title="Host not found">
          There is no host with id {id}.
        </Alert>
        {back}
      </PluginPage>
    );
  }

  return (
    <PluginPage pageNav={{ text: host.data?.name ?? `Host ${hostId}` }}>
      <Stack direction="column" gap={2}>
        {back}
        {host.loading && <LoadingPlaceholder text="Loading host..." />}
        {host.error && (
          <Alert severity="error" title="The host could not be loaded">
            {host.error.message}
          </Alert>
        )}
        {host.data && (
          <Card>
            <Card.Heading>{host.data.name}</Card.Heading>
            <Card.Meta>
              {[host.data.address ?? 'no address', host.data.fagent_url, `updated ${formatTime(host.data.updated_at)}`]}
            </Card.Meta>
            <Card.Tags>
              {host.data.is_active ? <Badge color="green" text="active" /> : <Badge color="darkgrey" text="inactive" />}
            </Card.Tags>
            <Card.Description>
              <Text>{formatPlural(host.data.instance_count, 'HAProxy instance')}</Text>
            </Card.Description>
            <Card.Actions>
              <Button icon="cog" onClick={() => setModalOpen(true)}>
                HAProxy settings
              </Button>
            </Card.Actions>
          </Card>
        )}
      </Stack>
      {modalOpen && host.data && <HaproxySettingsModal host={host.data} onDismiss={() => setModalOpen(false)} />}
    </PluginPage>
  );
}

export default HostDetailsPage;
