import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { Field, Icon, Input, RadioButtonGroup, Select, Stack } from '@grafana/ui';
import { FILTER_STATUSES, type Instance, type ServerStatus } from '../../api/types';

export const REFRESH_CHOICES = [0, 5, 15, 30, 60] as const;
export type RefreshSeconds = (typeof REFRESH_CHOICES)[number];

export function isRefreshSeconds(value: unknown): value is RefreshSeconds {
  return REFRESH_CHOICES.includes(value as RefreshSeconds);
}

interface Props {
  instances: Instance[];
  instanceId?: number;
  status?: ServerStatus;
  q: string;
  refresh: RefreshSeconds;
  onInstanceChange: (id?: number) => void;
  onStatusChange: (status?: ServerStatus) => void;
  onSearchChange: (q: string) => void;
  onRefreshChange: (seconds: RefreshSeconds) => void;
}

const STATUS_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'All', value: '' },
  ...FILTER_STATUSES.map((s) => ({ label: s, value: s })),
];

const REFRESH_OPTIONS: Array<SelectableValue<RefreshSeconds>> = REFRESH_CHOICES.map((s) => ({
  label: s === 0 ? 'Off' : `${s}s`,
  value: s,
}));

export function FleetFilters(props: Props) {
  const instanceOptions: Array<SelectableValue<number>> = props.instances
    .map((i) => ({ label: i.name, value: i.id, description: i.host_name }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return (
    <Stack gap={2} wrap="wrap" alignItems="flex-end">
      <Field label="Instance" noMargin>
        <Select
          inputId="filter-instance"
          aria-label="Instance"
          width={30}
          options={instanceOptions}
          value={props.instanceId ?? null}
          onChange={(v) => props.onInstanceChange(v?.value)}
          placeholder="All instances"
          isClearable
        />
      </Field>
      <Field label="Status" noMargin>
        <RadioButtonGroup
          aria-label="Status"
          options={STATUS_OPTIONS}
          value={props.status ?? ''}
          onChange={(v) => props.onStatusChange(v ? (v as ServerStatus) : undefined)}
        />
      </Field>
      <Field label="Search" noMargin>
        <Input
          aria-label="Search backends and servers"
          width={36}
          prefix={<Icon name="search" />}
          placeholder="Backend or server name"
          value={props.q}
          onChange={(e) => props.onSearchChange(e.currentTarget.value)}
        />
      </Field>
      <Field label="Auto-refresh" noMargin>
        <RadioButtonGroup
          aria-label="Auto-refresh"
          options={REFRESH_OPTIONS}
          value={props.refresh}
          onChange={(v) => props.onRefreshChange(v)}
        />
      </Field>
    </Stack>
  );
}
