import React, { useEffect } from 'react';
import { InlineField, InlineFieldRow, RadioButtonGroup } from '@grafana/ui';
import { type LookupKind, LOOKUP_KINDS, type Scope, type ScopeKey, SCOPE_KEYS } from '../../api/types';
import { type DataSource, parseVariableQuery } from '../datasource';
import { KIND_OF_SCOPE, type VariableQuery } from '../types';
import { ScopeFields } from './ScopePicker';
import { EditorHelp } from './EditorHelp';

export interface VariableQueryEditorProps {
  query: VariableQuery | string | undefined;
  onChange: (query: VariableQuery, definition: string) => void;
  datasource: DataSource;
}

const KIND_OPTIONS = LOOKUP_KINDS.map((kind) => ({ value: kind, label: kind[0].toUpperCase() + kind.slice(1) }));

const OWN_KEY = Object.fromEntries(SCOPE_KEYS.map((key) => [KIND_OF_SCOPE[key], key])) as Record<LookupKind, ScopeKey>;

/** The text Grafana shows for the variable in its list: `backends?instance=$instance`. */
export function variableDefinition(query: VariableQuery): string {
  const params = SCOPE_KEYS.filter((key) => query[key]).map((key) => `${key}=${query[key]}`);
  if (query.q) {
    params.push(`q=${query.q}`);
  }
  return params.length ? `${query.kind}?${params.join('&')}` : query.kind;
}

/** Editor of a query variable: which names to list, narrowed by other variables (e.g. backends of $instance). */
export function VariableQueryEditor({ query, onChange, datasource }: VariableQueryEditorProps) {
  const current: VariableQuery = parseVariableQuery(query) ?? { kind: 'instances' };
  const { kind, q, ...scope } = current;

  const emit = (next: VariableQuery) => onChange(next, variableDefinition(next));

  // A new variable starts with an empty query: save the default (instances) so it runs as shown.
  const missing = parseVariableQuery(query) === undefined;
  useEffect(() => {
    if (missing) {
      onChange({ kind: 'instances' }, 'instances');
    }
    // only when the editor opens on a query it cannot read
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <div data-testid="haproxy-variable-editor">
      <InlineFieldRow>
        <InlineField label="List" labelWidth={14} tooltip="Which names the variable offers">
          <RadioButtonGroup<LookupKind>
            options={KIND_OPTIONS}
            value={kind}
            onChange={(nextKind) => {
              const nextScope: Scope = { ...scope };
              delete nextScope[OWN_KEY[nextKind]];
              emit({ kind: nextKind, ...nextScope, ...(q ? { q } : {}) });
            }}
          />
        </InlineField>
      </InlineFieldRow>
      <ScopeFields
        datasource={datasource}
        scope={scope}
        idPrefix="haproxy-variable"
        exclude={[OWN_KEY[kind]]}
        onChange={(nextScope) => emit({ kind, ...nextScope, ...(q ? { q } : {}) })}
      />
      <EditorHelp>
        Narrow the list with other variables, e.g. backends of <code>$instance</code>. Multi-value and All are
        supported.
      </EditorHelp>
    </div>
  );
}
