import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { Button, Field, LinkButton, RadioButtonGroup, Stack } from '@grafana/ui';
import { ACTION_SOURCES, SERVER_COMMANDS, type ServerCommand } from '../../api/types';
import type { FilterUpdate } from '../../hooks/useUrlFilters';
import { ActorFilter, ChoiceFilter, RangeFilter } from '../FilterFields/FilterFields';
import { type ActionFilterValues, type ResultFilter, type SourceFilter } from './ActionFilters.utils';

const RESULT_OPTIONS: Array<SelectableValue<ResultFilter | ''>> = [
  { label: 'All', value: '' },
  { label: 'Succeeded', value: 'success' },
  { label: 'Failed', value: 'failed' },
  { label: 'Unknown', value: 'unknown', description: 'The agent did not answer clearly: HAProxy may have applied it' },
];
const COMMAND_OPTIONS: Array<SelectableValue<ServerCommand>> = SERVER_COMMANDS.map((c) => ({ label: c, value: c }));
const SOURCE_DESCRIPTIONS: Record<SourceFilter, string> = {
  ui: 'Grafana (this app)',
  api: 'A script with an API token',
  orchestrator: 'An orchestrator (e.g. a deploy)',
  bulk: 'A bulk command',
  sync: 'The service itself (a held removal applied)',
  reconcile: 'The service re-applying a state HAProxy lost (drift)',
  schedule: 'The service ending a maintenance window',
};
const SOURCE_OPTIONS: Array<SelectableValue<SourceFilter>> = ACTION_SOURCES.map((s) => ({
  label: s,
  value: s,
  description: SOURCE_DESCRIPTIONS[s],
}));

interface Props {
  filters: ActionFilterValues;
  onChange: FilterUpdate<ActionFilterValues>;
  /** Load the log again with "now" moved to the present. */
  onRefresh: () => void;
  /** The filtered log as a CSV download (every page). */
  csvHref: string;
}

/** The audit log's filter bar: actor, command, result, time range, and a refresh. */
export function ActionFilters({ filters, onChange, onRefresh, csvHref }: Props) {
  return (
    <Stack gap={2} wrap="wrap" alignItems="flex-end">
      <ActorFilter
        value={filters.actor}
        placeholder="Grafana login or token"
        onChange={(actor) => onChange({ actor })}
      />
      <ChoiceFilter
        id="actions-command"
        label="Command"
        width={16}
        options={COMMAND_OPTIONS}
        value={filters.command}
        onChange={(command) => onChange({ command })}
      />
      <ChoiceFilter
        id="actions-source"
        label="Source"
        width={18}
        options={SOURCE_OPTIONS}
        value={filters.source}
        onChange={(source) => onChange({ source })}
      />
      <Field label="Result" noMargin>
        <RadioButtonGroup<ResultFilter | ''>
          aria-label="Result"
          options={RESULT_OPTIONS}
          value={filters.result ?? ''}
          onChange={(v) => onChange({ result: v || undefined })}
        />
      </Field>
      <RangeFilter id="actions-range" value={filters.range} onChange={(range) => onChange({ range })} />
      <Button variant="secondary" icon="sync" onClick={onRefresh}>
        Refresh
      </Button>
      {/* A target keeps Grafana from taking the link for a page of its own; the answer is an attachment. */}
      <LinkButton variant="secondary" icon="download-alt" href={csvHref} target="_self" download>
        Export CSV
      </LinkButton>
    </Stack>
  );
}
