import React, { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { SelectableValue } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Button,
  type Column,
  EmptyState,
  Field,
  Input,
  InteractiveTable,
  LoadingPlaceholder,
  Pagination,
  RadioButtonGroup,
  Select,
  Stack,
  Tooltip,
} from '@grafana/ui';
import { SERVER_COMMANDS, type Action, type ActionQuery, type ServerCommand } from '../../api/types';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { StatusBadge } from '../../components/StatusBadge/StatusBadge';
import { useActions } from '../../data/useActions';
import { formatTime } from '../../utils/format';

export const ACTIONS_PER_PAGE = 50;

const RANGES: Record<string, number | undefined> = {
  '1h': 3600e3,
  '6h': 6 * 3600e3,
  '24h': 24 * 3600e3,
  '7d': 7 * 24 * 3600e3,
  '30d': 30 * 24 * 3600e3,
  all: undefined,
};
const RANGE_OPTIONS: Array<SelectableValue<string>> = Object.keys(RANGES).map((r) => ({
  label: r === 'all' ? 'All time' : `Last ${r}`,
  value: r,
}));
const RESULT_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'All', value: '' },
  { label: 'Succeeded', value: 'success' },
  { label: 'Failed', value: 'failed' },
];
const COMMAND_OPTIONS: Array<SelectableValue<ServerCommand>> = SERVER_COMMANDS.map((c) => ({ label: c, value: c }));

/** The audit log of every command attempt, filtered and paged by the backend; filters live in the URL. */
function ActionsPage() {
  const [params, setParams] = useSearchParams();
  const actor = params.get('actor') ?? '';
  const command = SERVER_COMMANDS.find((c) => c === params.get('command'));
  const result = params.get('result') ?? '';
  const range = params.get('range') && params.get('range')! in RANGES ? params.get('range')! : '24h';
  const page = Math.max(1, Number(params.get('page')) || 1);
  // "now" moves only when the user asks for fresh data, so the filters stay a stable request key.
  const [now, setNow] = useState(() => Date.now());

  const update = (changes: Record<string, string | undefined>) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [key, value] of Object.entries(changes)) {
          if (value) {
            next.set(key, value);
          } else {
            next.delete(key);
          }
        }
        if (!('page' in changes)) {
          next.delete('page');
        }
        return next;
      },
      { replace: true }
    );

  const filters = useMemo<ActionQuery>(() => {
    const span = RANGES[range];
    return {
      actor: actor || undefined,
      command,
      success: result === '' ? undefined : result === 'success',
      since: span === undefined ? undefined : new Date(now - span).toISOString(),
      limit: ACTIONS_PER_PAGE,
      offset: (page - 1) * ACTIONS_PER_PAGE,
    };
  }, [actor, command, result, range, page, now]);

  const actions = useActions(filters);

  const columns = useMemo<Array<Column<Action>>>(
    () => [
      { id: 'started_at', header: 'Time', cell: ({ row }) => formatTime(row.original.started_at) },
      { id: 'actor', header: 'Actor', cell: ({ row }) => row.original.actor ?? '—' },
      { id: 'source', header: 'Source' },
      { id: 'command', header: 'Command' },
      {
        id: 'server_name',
        header: 'Server',
        cell: ({ row }) =>
          `${row.original.server_name ?? '?'} (${row.original.backend_name ?? '?'} on ${row.original.instance_name ?? '?'})`,
      },
      {
        id: 'status_after',
        header: 'Status',
        cell: ({ row }) => (
          <Stack gap={0.5} alignItems="center">
            {row.original.status_before && <StatusBadge status={row.original.status_before} />}
            {row.original.status_after && (
              <>
                →<StatusBadge status={row.original.status_after} />
              </>
            )}
          </Stack>
        ),
      },
      {
        id: 'success',
        header: 'Result',
        cell: ({ row }) =>
          row.original.success ? (
            <Badge color="green" text="success" />
          ) : (
            <Tooltip content={row.original.error ?? 'failed'}>
              <span>
                <Badge color="red" text="failed" /> {row.original.error}
              </span>
            </Tooltip>
          ),
      },
      {
        id: 'duration_ms',
        header: 'Duration',
        cell: ({ row }) => (row.original.duration_ms === null ? '—' : `${row.original.duration_ms} ms`),
      },
    ],
    []
  );

  if (isConnectionProblem(actions.error)) {
    return (
      <PluginPage>
        <ConnectionBanner error={actions.error} />
      </PluginPage>
    );
  }

  const total = actions.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / ACTIONS_PER_PAGE));

  return (
    <PluginPage subTitle="Who did what to which server, and how it went">
      <Stack direction="column" gap={2}>
        <Stack gap={2} wrap="wrap" alignItems="flex-end">
          <Field label="Actor" noMargin>
            <Input
              aria-label="Actor"
              width={24}
              placeholder="Grafana login or token"
              defaultValue={actor}
              onBlur={(e) => update({ actor: e.currentTarget.value.trim() })}
              onKeyDown={(e) => e.key === 'Enter' && update({ actor: e.currentTarget.value.trim() })}
            />
          </Field>
          <Field label="Command" noMargin>
            <Select
              inputId="actions-command"
              aria-label="Command"
              width={16}
              options={COMMAND_OPTIONS}
              value={command ?? null}
              onChange={(v) => update({ command: v?.value })}
              placeholder="Any"
              isClearable
            />
          </Field>
          <Field label="Result" noMargin>
            <RadioButtonGroup
              aria-label="Result"
              options={RESULT_OPTIONS}
              value={result}
              onChange={(v) => update({ result: v })}
            />
          </Field>
          <Field label="Time range" noMargin>
            <Select
              inputId="actions-range"
              aria-label="Time range"
              width={16}
              options={RANGE_OPTIONS}
              value={range}
              onChange={(v) => update({ range: v?.value === '24h' ? undefined : v?.value })}
            />
          </Field>
          <Button variant="secondary" icon="sync" onClick={() => setNow(Date.now())}>
            Refresh
          </Button>
        </Stack>

        {actions.loading && <LoadingPlaceholder text="Loading actions..." />}
        {actions.error && (
          <Alert severity="error" title="Actions could not be loaded">
            {actions.error.message}
          </Alert>
        )}
        {actions.data && actions.data.actions.length === 0 && (
          <EmptyState variant="not-found" message="No action matches these filters" />
        )}
        {actions.data && actions.data.actions.length > 0 && (
          <>
            <InteractiveTable columns={columns} data={actions.data.actions} getRowId={(a: Action) => String(a.id)} />
            <Pagination
              currentPage={Math.min(page, pages)}
              numberOfPages={pages}
              onNavigate={(p) => update({ page: p > 1 ? String(p) : undefined })}
              hideWhenSinglePage
            />
          </>
        )}
      </Stack>
    </PluginPage>
  );
}

export default ActionsPage;
