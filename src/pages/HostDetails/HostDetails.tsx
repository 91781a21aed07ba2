import React, { useState } from 'react';
import { useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, Badge, Button, Card, LoadingPlaceholder, Stack, Text, TextLink } from '@grafana/ui';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { HaproxySettingsModal } from '../../components/HaproxySettingsModal/HaproxySettingsModal';
import { ROUTES, prefixRoute } from '../../constants';
import { useHost } from '../../data/useHosts';
import { formatTime } from '../../utils/format';

/** One server (host): its details and the "HAProxy settings" button of seed 5.2. */
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
      All servers
    </TextLink>
  );
  if (!Number.isInteger(hostId) || hostId <= 0 || host.error?.kind === 'not_found') {
    return (
      <PluginPage>
        <Alert severity="warning" title="Server not found">
          There is no server with id {id}.
        </Alert>
        {back}
      </PluginPage>
    );
  }

  return (
    <PluginPage pageNav={{ text: host.data?.name ?? `Server ${hostId}` }}>
      <Stack direction="column" gap={2}>
        {back}
        {host.loading && <LoadingPlaceholder text="Loading server..." />}
        {host.error && (
          <Alert severity="error" title="The server could not be loaded">
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
              <Text>
                {host.data.instance_count} HAProxy instance{host.data.instance_count === 1 ? '' : 's'}
              </Text>
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
