import React, { useMemo } from 'react';
import type { SelectableValue } from '@grafana/data';
import { Field, Icon, Input, RadioButtonGroup, Select, Stack } from '@grafana/ui';
import { FILTER_STATUSES, type Instance } from '../../api/types';
import { type FilterParams, type FilterUpdate, idParam, textParam } from '../../hooks/useUrlFilters';
import { compareNames } from '../../utils/sort';
import { SEARCH_MAX_LENGTH, STATE_FILTERS, type StatusFilter } from '../BackendList/BackendList.utils';

export const REFRESH_CHOICES = [0, 5, 15, 30, 60] as const;
export type RefreshSeconds = (typeof REFRESH_CHOICES)[number];

export function isRefreshSeconds(value: unknown): value is RefreshSeconds {
  return REFRESH_CHOICES.includes(value as RefreshSeconds);
}

/** The HAProxy page's filters, as its URL holds them (`?instance=3&status=DOWN&q=web`, `?status=drift`). */
export interface FleetFilterValues {
  instance?: number;
  status?: StatusFilter;
  q: string;
}

export const FLEET_FILTER_PARAMS: FilterParams<FleetFilterValues> = {
  instance: idParam,
  status: (raw) =>
    FILTER_STATUSES.find((s) => s === raw?.toUpperCase()) ?? STATE_FILTERS.find((s) => s === raw?.toLowerCase()),
  q: textParam,
};

interface Props {
  instances: Instance[];
  filters: FleetFilterValues;
  onChange: FilterUpdate<FleetFilterValues>;
  refresh: RefreshSeconds;
  onRefreshChange: (seconds: RefreshSeconds) => void;
}

const STATUS_OPTIONS: Array<SelectableValue<StatusFilter | ''>> = [
  { label: 'All', value: '' },
  ...FILTER_STATUSES.map((s) => ({ label: s, value: s })),
  { label: 'Drift', value: 'drift', description: 'HAProxy keeps them out of their intended state' },
  { label: 'In window', value: 'window', description: 'In a maintenance window that ends on its own' },
];

const REFRESH_OPTIONS: Array<SelectableValue<RefreshSeconds>> = REFRESH_CHOICES.map((s) => ({
  label: s === 0 ? 'Off' : `${s}s`,
  value: s,
}));

export function FleetFilters({ instances, filters, onChange, refresh, onRefreshChange }: Props) {
  const instanceOptions = useMemo<Array<SelectableValue<number>>>(() => {
    const options = instances
      .map((i) => ({ label: i.name, value: i.id, description: i.host_name }))
      .sort((a, b) => compareNames(a.label, b.label));
    // An id no instance has (a deleted one's, an old link's) is still the filter: shown, so it can be cleared.
    const chosen = filters.instance;
    return chosen === undefined || instances.some((i) => i.id === chosen)
      ? options
      : [{ label: `Instance #${chosen}`, value: chosen, description: 'Not among the HAProxy instances' }, ...options];
  }, [instances, filters.instance]);
  return (
    <Stack gap={2} wrap="wrap" alignItems="flex-end">
      <Field label="Instance" noMargin>
        <Select
          inputId="filter-instance"
          aria-label="Instance"
          width={30}
          options={instanceOptions}
          value={filters.instance ?? null}
          onChange={(v) => onChange({ instance: v?.value })}
          placeholder="All instances"
          isClearable
        />
      </Field>
      <Field label="Status" noMargin>
        <RadioButtonGroup<StatusFilter | ''>
          aria-label="Status"
          options={STATUS_OPTIONS}
          value={filters.status ?? ''}
          onChange={(v) => onChange({ status: v || undefined })}
        />
      </Field>
      <Field label="Search" noMargin>
        <Input
          aria-label="Search backends and servers"
          width={36}
          prefix={<Icon name="search" />}
          placeholder="Backend or server name"
          maxLength={SEARCH_MAX_LENGTH}
          value={filters.q}
          onChange={(e) => onChange({ q: e.currentTarget.value })}
        />
      </Field>
      <Field label="Auto-refresh" noMargin>
        <RadioButtonGroup
          aria-label="Auto-refresh"
          options={REFRESH_OPTIONS}
          value={refresh}
          onChange={(v) => onRefreshChange(v)}
        />
      </Field>
    </Stack>
  );
}
