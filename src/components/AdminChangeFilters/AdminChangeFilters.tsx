import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { Button, Field, Input, Select, Stack } from '@grafana/ui';
import {
  ADMIN_CHANGE_ACTIONS,
  ADMIN_ENTITY_KINDS,
  type AdminChangeAction,
  type AdminEntityKind,
} from '../../api/types';
import type { FilterUpdate } from '../../hooks/useUrlFilters';
import { RANGE_KEYS, type RangeKey } from '../ActionFilters/ActionFilters.utils';
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
const RANGE_OPTIONS: Array<SelectableValue<RangeKey>> = RANGE_KEYS.map((r) => ({
  label: r === 'all' ? 'All time' : `Last ${r}`,
  value: r,
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
  const setActor = (value: string) => onChange({ actor: value.trim() });
  const kind = filters.entity_kind;
  return (
    <Stack gap={2} wrap="wrap" alignItems="flex-end">
      <Field label="Entity" noMargin>
        <Select
          inputId="changes-kind"
          aria-label="Entity"
          width={18}
          options={KIND_OPTIONS}
          value={kind ?? null}
          // An id means another entity under another kind: the one-entity filter goes with its kind.
          onChange={(v) => onChange({ entity_kind: v?.value, entity_id: undefined })}
          placeholder="Any"
          isClearable
        />
      </Field>
      <Field label="Action" noMargin>
        <Select
          inputId="changes-action"
          aria-label="Action"
          width={20}
          options={ACTION_OPTIONS}
          value={filters.action ?? null}
          onChange={(v) => onChange({ action: v?.value })}
          placeholder="Any"
          isClearable
        />
      </Field>
      <Field label="Actor" noMargin>
        <Input
          aria-label="Actor"
          width={24}
          placeholder="grafana:alice, token:deploy, cli"
          defaultValue={filters.actor}
          onBlur={(e) => setActor(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && setActor(e.currentTarget.value)}
        />
      </Field>
      <Field label="Time range" noMargin>
        <Select
          inputId="changes-range"
          aria-label="Time range"
          width={16}
          options={RANGE_OPTIONS}
          value={filters.range}
          onChange={(v) => v?.value && onChange({ range: v.value })}
        />
      </Field>
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
