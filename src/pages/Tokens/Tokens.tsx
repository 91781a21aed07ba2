import React, { useCallback, useMemo, useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Button,
  type Column,
  ConfirmModal,
  EmptyState,
  InteractiveTable,
  LoadingPlaceholder,
  Stack,
  Text,
  useStyles2,
} from '@grafana/ui';
import type { ApiToken } from '../../api/types';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { TokenForm } from '../../components/TokenForm/TokenForm';
import { usePluginTokenRoles, useTokenMutations, useTokens } from '../../data/useTokens';
import { formatAgo, formatTime } from '../../utils/format';
import { canUserAdminister } from '../../utils/roles';
import { getNameStyles, getToolbarStyles } from '../../utils/styles';

const ROLE_WORDS = { viewer: 'Viewer', editor: 'Editor', admin: 'Admin' } as const;

const isExpired = (t: ApiToken) => t.expires_at !== null && Date.parse(t.expires_at) <= Date.now();

/** The backend's API tokens: who may call it (orchestrators, scripts, this app), created and revoked by Admins. */
function TokensPage() {
  const styles = useStyles2(getToolbarStyles);
  const nameStyles = useStyles2(getNameStyles);
  const canAdmin = canUserAdminister();
  const tokens = useTokens(canAdmin);
  const pluginRoles = usePluginTokenRoles(canAdmin);
  const { create, revoke } = useTokenMutations(tokens.reload);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken>();
  const roleMap = pluginRoles.data;
  const inUse = useCallback((t: ApiToken) => roleMap?.[t.name] ?? [], [roleMap]);

  const columns = useMemo<Array<Column<ApiToken>>>(
    () => [
      {
        id: 'name',
        header: 'Name',
        cell: ({ row }) => (
          <Stack gap={1} alignItems="center" wrap="wrap">
            <span className={nameStyles.names}>{row.original.name}</span>
            {inUse(row.original).map((role) => (
              <Badge
                key={role}
                color="blue"
                icon="grafana"
                text={`this app's ${ROLE_WORDS[role]} token`}
                tooltip={`Grafana sends it for ${ROLE_WORDS[role]}s' requests: revoking it breaks them until a new one is set on the plugin's configuration page`}
              />
            ))}
          </Stack>
        ),
      },
      { id: 'role', header: 'Role', cell: ({ row }) => row.original.role },
      {
        id: 'grafana',
        header: 'Kind',
        cell: ({ row }) => (row.original.grafana ? 'Grafana (names the Grafana user)' : 'API'),
      },
      {
        id: 'created_at',
        header: 'Created',
        cell: ({ row }) => (
          <Stack direction="column" gap={0}>
            <span>{formatTime(row.original.created_at)}</span>
            {row.original.created_by && (
              <Text color="secondary" variant="bodySmall">
                by {row.original.created_by}
              </Text>
            )}
          </Stack>
        ),
      },
      { id: 'last_used_at', header: 'Last used', cell: ({ row }) => formatAgo(row.original.last_used_at) },
      {
        id: 'expires_at',
        header: 'Expires',
        cell: ({ row }) => (row.original.expires_at ? formatTime(row.original.expires_at) : 'never'),
      },
      {
        id: 'state',
        header: 'State',
        cell: ({ row }) =>
          row.original.revoked_at ? (
            <Badge
              color="red"
              text={`revoked ${formatTime(row.original.revoked_at)}`}
              tooltip={row.original.revoked_by ? `by ${row.original.revoked_by}` : undefined}
            />
          ) : isExpired(row.original) ? (
            <Badge color="orange" text="expired" />
          ) : (
            <Badge color="green" text="active" />
          ),
      },
      {
        id: 'actions',
        header: undefined,
        disableGrow: true,
        cell: ({ row }) =>
          row.original.revoked_at ? null : (
            <Button
              size="sm"
              variant="destructive"
              fill="outline"
              aria-label={`Revoke ${row.original.name}`}
              onClick={() => setRevoking(row.original)}
            >
              Revoke
            </Button>
          ),
      },
    ],
    [inUse, nameStyles]
  );

  if (!canAdmin) {
    return (
      <PluginPage>
        <Alert severity="info" title="Admins only">
          API tokens are managed by Grafana Admins.
        </Alert>
      </PluginPage>
    );
  }
  if (isConnectionProblem(tokens.error)) {
    return (
      <PluginPage>
        <ConnectionBanner
          error={tokens.error}
          onRetry={() => {
            tokens.reload();
            pluginRoles.reload();
          }}
        />
      </PluginPage>
    );
  }
  const revokingRoles = revoking ? inUse(revoking) : [];
  return (
    <PluginPage subTitle="Who may call the backend: orchestrators, scripts and this app. Only a hash of each token is kept.">
      <div className={styles.toolbar}>
        <Button icon="plus" onClick={() => setCreating(true)}>
          Create token
        </Button>
      </div>
      {tokens.loading && <LoadingPlaceholder text="Loading tokens..." />}
      {tokens.error && (
        <Alert severity="error" title="Tokens could not be loaded">
          {tokens.error.message}
        </Alert>
      )}
      {tokens.data && tokens.data.length === 0 && <EmptyState variant="call-to-action" message="No token yet" />}
      {tokens.data && tokens.data.length > 0 && (
        <InteractiveTable columns={columns} data={tokens.data} getRowId={(t) => String(t.id)} />
      )}
      {creating && <TokenForm onCreate={create} onDismiss={() => setCreating(false)} />}
      {revoking && (
        <ConfirmModal
          isOpen
          modalClass={nameStyles.names}
          title={`Revoke token ${revoking.name}?`}
          body={
            <Stack direction="column" gap={1}>
              <Text>The backend refuses it at once, everywhere. A revoked token cannot be enabled again.</Text>
              {revokingRoles.length > 0 && (
                <Alert severity="warning" title="This app uses this token">
                  {`Grafana sends it for ${revokingRoles.map((r) => ROLE_WORDS[r]).join(', ')} requests: they fail until a new token is set on the plugin's configuration page.`}
                </Alert>
              )}
            </Stack>
          }
          confirmText="Revoke"
          onConfirm={() => {
            void revoke(revoking);
            setRevoking(undefined);
          }}
          onDismiss={() => setRevoking(undefined)}
        />
      )}
    </PluginPage>
  );
}

export default TokensPage;
