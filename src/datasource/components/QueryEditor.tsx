import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Select, useStyles2 } from '@grafana/ui';
import { type Aggregate, QUERY_TYPES, type QueryType } from '../../api/types';
import type { DataSource } from '../datasource';
import { DEFAULT_QUERY, type HaproxyOptions, type HaproxyQuery, QUERY_TYPE_INFO } from '../types';
import { ScopeFields } from './ScopePicker';

export type Props = QueryEditorProps<DataSource, HaproxyQuery, HaproxyOptions>;

const TYPE_OPTIONS: Array<SelectableValue<QueryType>> = QUERY_TYPES.map((type) => ({
  value: type,
  label: QUERY_TYPE_INFO[type].label,
  description: QUERY_TYPE_INFO[type].description,
}));

type AggregateChoice = Aggregate | 'server';
const AGGREGATE_OPTIONS: Array<SelectableValue<AggregateChoice>> = [
  { value: 'server', label: 'Per server' },
  { value: 'sum', label: 'Sum per backend' },
  { value: 'avg', label: 'Avg per backend' },
  { value: 'max', label: 'Max per backend' },
];

/** The query editor: what to show (one of the six types) and for which part of the fleet. */
export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const styles = useStyles2(getStyles);
  const type = query.type ?? DEFAULT_QUERY.type;
  const scope = query.scope ?? {};
  // A hand-written saved query may name a type this version does not know: say so instead of crashing.
  const description = QUERY_TYPE_INFO[type]?.description ?? `Unknown type "${type}", not run: choose a type`;

  const update = (next: HaproxyQuery) => {
    onChange(next);
    onRunQuery();
  };

  return (
    <div className={styles.editor} data-testid="haproxy-query-editor">
      <InlineFieldRow>
        <InlineField label="Type" labelWidth={14} tooltip="What the query returns">
          <Select<QueryType>
            inputId={`haproxy-type-${query.refId}`}
            width={26}
            options={TYPE_OPTIONS}
            value={type}
            onChange={(selected) => {
              const nextType = selected.value ?? DEFAULT_QUERY.type;
              const { aggregate, ...rest } = query;
              update({
                ...rest,
                type: nextType,
                scope,
                ...(nextType === 'sessions' && aggregate ? { aggregate } : {}),
              });
            }}
          />
        </InlineField>
        {type === 'sessions' && (
          <InlineField label="Series" labelWidth={10} tooltip="One series per server, or one per backend">
            <RadioButtonGroup<AggregateChoice>
              options={AGGREGATE_OPTIONS}
              value={query.aggregate ?? 'server'}
              onChange={(choice) => {
                const { aggregate: _old, ...rest } = query;
                update(choice === 'server' ? { ...rest, type, scope } : { ...rest, type, scope, aggregate: choice });
              }}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      <ScopeFields
        datasource={datasource}
        scope={scope}
        idPrefix={`haproxy-${query.refId}`}
        onChange={(nextScope) => update({ ...query, type, scope: nextScope })}
      />
      <div className={styles.help}>{description}. An empty scope covers the whole fleet.</div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  editor: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
  }),
  help: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
