import React, { useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Button, Field, LoadingPlaceholder, RadioButtonGroup, Stack, Text } from '@grafana/ui';
import { AGENT_COMMANDS, type AgentCommand } from '../../api/types';
import { ActionTable } from '../../components/ActionTable/ActionTable';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { LoadError } from '../../components/LoadError/LoadError';
import { OperationModal } from '../../components/OperationModal/OperationModal';
import { COMMAND_LABELS, ServerCommandModal } from '../../components/ServerCommandModal/ServerCommandModal';
import { ServerState } from '../../components/ServerState/ServerState';
import { driftSummary } from '../../components/ServerState/ServerState.utils';
import { StateTimeline } from '../../components/StateTimeline/StateTimeline';
import { prefixRoute, ROUTES } from '../../constants';
import { useActions } from '../../data/useActions';
import { useServer, useServerHistory } from '../../data/useServer';
import { useServerMutations } from '../../data/useServerMutations';
import { formatNumber, formatTime } from '../../utils/format';
import { canUserAct } from '../../utils/roles';
import { intentOf } from '../../utils/serverState';

const RANGES = { '1h': 3600e3, '24h': 24 * 3600e3, '7d': 7 * 24 * 3600e3 } as const;
type Range = keyof typeof RANGES;
const RANGE_OPTIONS = (Object.keys(RANGES) as Range[]).map((value) => ({ value, label: `Last ${value}` }));
const AUDIT_ROWS = 50;
const spanOf = (range: Range, now = Date.now()) => ({ since: now - RANGES[range], until: now });
const NOTHING_TO_RELOAD = { reload: () => {} };

/**
 * One server (issue 9): its admin and operational states over time, its desired state, window and drift, its audit
 * rows, and its actions (drain / ready / maint / weight / shutdown-sessions with the dry run first when they take
 * it out, return with a ramp).
 */
function ServerPage() {
  const id = Number(useParams().id);
  const navigate = useNavigate();
  const canAct = canUserAct();
  const [range, setRange] = useState<Range>('24h');
  // The range's ends move only when the user picks a range, so the history stays one request per choice.
  const [{ since, until }, setSpan] = useState(() => spanOf('24h'));
  const pickRange = (next: Range) => {
    setRange(next);
    setSpan(spanOf(next));
  };
  const server = useServer(id);
  const history = useServerHistory(id, since);
  const actions = useActions(useMemo(() => ({ server_id: id, limit: AUDIT_ROWS }), [id]));
  const { runCommand } = useServerMutations({
    summary: NOTHING_TO_RELOAD,
    backends: NOTHING_TO_RELOAD,
  });
  const [dialog, setDialog] = useState<AgentCommand | 'ramp'>();
  const selection = useMemo(() => ({ server_ids: [id] }), [id]);

  if (isConnectionProblem(server.error)) {
    return (
      <PluginPage>
        <ConnectionBanner
          error={server.error}
          onRetry={() => {
            server.reload();
            history.reload();
            actions.reload();
          }}
        />
      </PluginPage>
    );
  }
  const s = server.data;
  return (
    <PluginPage
      pageNav={{ text: s ? `Server ${s.server_name}` : 'Server' }}
      subTitle={s ? `Backend ${s.backend_name} on ${s.instance_name}` : undefined}
    >
      <Stack direction="column" gap={2}>
        {server.loading && <LoadingPlaceholder text="Loading the server..." />}
        {server.error && (
          <LoadError title="The server could not be loaded" error={server.error} onRetry={server.reload} />
        )}
        {s && (
          <section aria-label="Server state">
            <Stack direction="column" gap={1}>
              <ServerState server={s} />
              <Text variant="bodySmall" color="secondary">
                Weight {formatNumber(s.weight)}
                {s.initial_weight !== null && ` (configured ${formatNumber(s.initial_weight)})`}, sessions{' '}
                {formatNumber(s.current_sessions)}
                {s.desired &&
                  ` · desired ${s.desired.admin_state} by ${s.desired.actor ?? 'unknown'}${s.desired.reason ? ` (${s.desired.reason})` : ''}${s.desired.until ? ` until ${formatTime(s.desired.until)}` : ''}`}
                {s.drift && ` · drifting: ${driftSummary(s.drift)}`}
                {s.tracks && ` · tracks ${s.tracks}: it goes out whenever that server does`}
                {s.backup && ' · backup: it takes traffic only when no active server of its backend can'}
              </Text>
              {canAct && (
                <Stack gap={1}>
                  {/* As its row on the HAProxy page: no command to the state it already has. */}
                  {AGENT_COMMANDS.filter((command) => command !== intentOf(s)).map((command) => (
                    <Button
                      key={command}
                      size="sm"
                      variant={command === 'maint' || command === 'shutdown-sessions' ? 'destructive' : 'secondary'}
                      onClick={() => setDialog(command)}
                    >
                      {COMMAND_LABELS[command].verb}
                    </Button>
                  ))}
                  <Button size="sm" variant="secondary" icon="arrow-up" onClick={() => setDialog('ramp')}>
                    Return with a ramp
                  </Button>
                </Stack>
              )}
            </Stack>
          </section>
        )}
        <section aria-label="State timeline">
          <Stack direction="column" gap={1}>
            <Field label="Timeline">
              <RadioButtonGroup<Range> options={RANGE_OPTIONS} value={range} onChange={pickRange} />
            </Field>
            {history.loading && <LoadingPlaceholder text="Loading its history..." />}
            {history.error && (
              <LoadError title="The history could not be loaded" error={history.error} onRetry={history.reload} />
            )}
            {history.data && <StateTimeline history={history.data} since={since} until={until} />}
          </Stack>
        </section>
        <section aria-label="Audit">
          <Text element="h3">Audit</Text>
          {actions.error && (
            <LoadError title="Its audit rows could not be loaded" error={actions.error} onRetry={actions.reload} />
          )}
          {actions.data && actions.data.actions.length === 0 && <Text color="secondary">No command yet.</Text>}
          {actions.data && actions.data.actions.length > 0 && <ActionTable actions={actions.data.actions} />}
        </section>
      </Stack>
      {s && dialog && dialog !== 'ramp' && (
        <ServerCommandModal
          server={s}
          command={dialog}
          onConfirm={async (options) => {
            const refused = await runCommand(s, dialog, options, (updated) => server.setData(() => updated));
            if (refused === undefined) {
              setDialog(undefined);
              // The range ends now: a change made after its end would be drawn at that end, with no width.
              setSpan(spanOf(range));
              actions.reload();
            }
            return refused;
          }}
          onDismiss={() => setDialog(undefined)}
        />
      )}
      {s && dialog === 'ramp' && (
        <OperationModal
          action="ready"
          selection={selection}
          what={`server ${s.server_name}`}
          servers={[s]}
          onStarted={(op) => navigate(`${prefixRoute(ROUTES.Operations)}/${op.id}`)}
          onDismiss={() => setDialog(undefined)}
        />
      )}
    </PluginPage>
  );
}

export default ServerPage;
