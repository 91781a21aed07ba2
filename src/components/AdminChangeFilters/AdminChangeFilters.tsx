import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { Button, Stack } from '@grafana/ui';
import {
  ADMIN_CHANGE_ACTIONS,
  ADMIN_ENTITY_KINDS,
  type AdminChangeAction,
  type AdminEntityKind,
} from '../../api/types';
import type { FilterUpdate } from '../../hooks/useUrlFilters';
import { ActorFilter, ChoiceFilter, RangeFilter } from '../FilterFields/FilterFields';
import { CHANGE_ACTION_BADGES, ENTITY_KIND_WORDS } from '../AdminChangeTable/AdminChangeTable.utils';
import type { AdminChangeFilterValues } from './AdminChangeFilters.utils';

const KIND_OPTIONS: Array<SelectableValue<AdminEntityKind>> = ADMIN_ENTITY_KINDS.map((k) => ({
  label: ENTITY_KIND_WORDS[k],
  value: k,
}));
const ACTION_OPTIONS: Array<SelectableValue<AdminChangeAction>> = ADMIN_CHANGE_ACTIONS.map((a) => ({
  label: CHANGE_ACTION_BADGES[a].text,
  value: a,
  description: CHANGE_ACTION_BADGES[a].help,
}));

interface Props {
  filters: AdminChangeFilterValues;
  onChange: FilterUpdate<AdminChangeFilterValues>;
  /** What the one entity filtered to is called (its name in the rows shown), when known. */
  entityName?: string;
  /** Load the log again from its newest change. */
  onRefresh: () => void;
}

/** The change log's filter bar: entity kind (and one entity, from its page's link), action, actor, time range. */
export function AdminChangeFilters({ filters, onChange, entityName, onRefresh }: Props) {
  const kind = filters.entity_kind;
  return (
    <Stack gap={2} wrap="wrap" alignItems="flex-end">
      <ChoiceFilter
        id="changes-kind"
        label="Entity"
        width={18}
        options={KIND_OPTIONS}
        value={kind}
        // An id means another entity under another kind: the one-entity filter goes with its kind.
        onChange={(entity_kind) => onChange({ entity_kind, entity_id: undefined })}
      />
      <ChoiceFilter
        id="changes-action"
        label="Action"
        width={20}
        options={ACTION_OPTIONS}
        value={filters.action}
        onChange={(action) => onChange({ action })}
      />
      <ActorFilter
        value={filters.actor}
        placeholder="grafana:alice, token:deploy, cli"
        onChange={(actor) => onChange({ actor })}
      />
      <RangeFilter id="changes-range" value={filters.range} onChange={(range) => onChange({ range })} />
      <Button variant="secondary" icon="sync" onClick={onRefresh}>
        Refresh
      </Button>
      {kind && filters.entity_id !== undefined && (
        <Button
          variant="secondary"
          fill="outline"
          icon="times"
          tooltip="Only this one's changes: click to show every one's"
          onClick={() => onChange({ entity_id: undefined })}
        >
          {`${ENTITY_KIND_WORDS[kind]}: ${entityName ?? `#${filters.entity_id}`}`}
        </Button>
      )}
    </Stack>
  );
}
