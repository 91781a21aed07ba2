import React, { useEffect, useRef, useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, InlineFieldRow, Select } from '@grafana/ui';
import { type Scope, type ScopeKey, SCOPE_KEYS } from '../../api/types';
import { KIND_OF_SCOPE, type NameLookup } from '../types';

export const SCOPE_LABELS: Record<ScopeKey, string> = {
  instance: 'Instance',
  backend: 'Backend',
  server: 'Server',
  application: 'Application',
};

interface ScopePickerProps {
  datasource: NameLookup;
  scopeKey: ScopeKey;
  value?: string;
  /** The other keys of the scope: the lookup lists only the names within them. */
  others: Scope;
  onChange: (value: string | undefined) => void;
  inputId: string;
}

/** Wait for a pause in typing before searching names on the backend. */
export const SEARCH_DELAY_MS = 250;

function variableOptions(): Array<SelectableValue<string>> {
  return getTemplateSrv()
    .getVariables()
    .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Template variable' }));
}

/**
 * One scope key: names from GET /api/haproxy/lookup/<kind> (loaded when the menu opens, narrowed by the other
 * keys), the dashboard's template variables, or any typed value (a name or a glob such as `web-*`).
 */
export function ScopePicker({ datasource, scopeKey, value, others, onChange, inputId }: ScopePickerProps) {
  const [options, setOptions] = useState<Array<SelectableValue<string>>>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const latest = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);

  const load = (search?: string) => {
    const request = ++latest.current;
    setLoading(true);
    setError(undefined);
    datasource
      .lookup(KIND_OF_SCOPE[scopeKey], others, search)
      .then((values) => {
        if (request === latest.current) {
          setOptions(values.map((v) => ({ label: v.text, value: String(v.value ?? v.text) })));
        }
      })
      .catch((err: unknown) => {
        if (request === latest.current) {
          setOptions([]);
          setError(err instanceof Error ? err.message : 'Lookup failed');
        }
      })
      .finally(() => {
        if (request === latest.current) {
          setLoading(false);
        }
      });
  };

  return (
    <Select<string>
      inputId={inputId}
      aria-label={SCOPE_LABELS[scopeKey]}
      width={26}
      isClearable
      allowCustomValue
      placeholder="All"
      isLoading={loading}
      onOpenMenu={() => load()}
      onInputChange={(input: string, meta: { action: string }) => {
        // The lookup returns at most 1000 names: a typed name part asks the backend (globs and variables are
        // used as typed, not searched).
        if (meta.action === 'input-change' && !/[*?[{$]/.test(input)) {
          clearTimeout(timer.current);
          timer.current = setTimeout(() => load(input.trim() || undefined), SEARCH_DELAY_MS);
        }
        return input;
      }}
      options={[...variableOptions(), ...options]}
      value={value ? { label: value, value } : null}
      noOptionsMessage={error ?? 'No names found: type a name or a glob'}
      formatCreateLabel={(input) => `Use "${input}"`}
      onChange={(selected) => onChange(selected?.value || undefined)}
    />
  );
}

interface ScopeFieldsProps {
  datasource: NameLookup;
  scope: Scope;
  onChange: (scope: Scope) => void;
  /** Makes input ids unique per query (refId). */
  idPrefix: string;
  /** Keys not offered (a variable listing backends does not filter on backend). */
  exclude?: ScopeKey[];
}

/** The four scope pickers; an empty scope is the whole fleet. */
export function ScopeFields({ datasource, scope, onChange, idPrefix, exclude = [] }: ScopeFieldsProps) {
  return (
    <InlineFieldRow>
      {SCOPE_KEYS.filter((key) => !exclude.includes(key)).map((key) => {
        const { [key]: own, ...others } = scope;
        return (
          <InlineField
            key={key}
            label={SCOPE_LABELS[key]}
            labelWidth={14}
            tooltip="A name, a glob (web-*), a variable, or empty for all"
          >
            <ScopePicker
              datasource={datasource}
              scopeKey={key}
              value={own}
              others={others}
              inputId={`${idPrefix}-${key}`}
              onChange={(value) => {
                const next: Scope = { ...scope };
                if (value) {
                  next[key] = value;
                } else {
                  delete next[key];
                }
                onChange(next);
              }}
            />
          </InlineField>
        );
      })}
    </InlineFieldRow>
  );
}
