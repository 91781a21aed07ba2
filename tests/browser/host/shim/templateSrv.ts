import type { ScopedVars, TimeRange, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

/** `$name`, `${name}`, `${name:format}`, `[[name]]`, `[[name:format]]`: Grafana's variable syntaxes. */
const VARIABLE_REF = /\$(\w+)|\$\{(\w+)(?::([^}]*))?\}|\[\[(\w+)(?::([^\]]*))?\]\]/g;

type Value = string | string[];

/** Grafana's built-in formats that matter for a string or a multi-value: glob is the default for arrays. */
function formatValue(value: Value, format: string | undefined): string {
  if (!Array.isArray(value)) {
    return value;
  }
  switch (format) {
    case 'csv':
      return value.join(',');
    case 'pipe':
      return value.join('|');
    case 'json':
      return JSON.stringify(value);
    case 'raw':
      return value.join(',');
    default:
      return value.length > 1 ? `{${value.join(',')}}` : (value[0] ?? '');
  }
}

/**
 * Grafana's TemplateSrv, as far as a data source sees it: the dashboard's variables (here from the URL, with
 * Grafana's own syntax: `?var-instance=edge-1&var-backend=api&var-backend=shop`, `$__all` for All) and
 * `replace()` with scopedVars first, then the variables; a format function gets (value, variable) as in Grafana.
 * Unknown variables are left as typed.
 */
export function createTemplateSrv(search: string): TemplateSrv & { values: Record<string, Value> } {
  const values: Record<string, Value> = {};
  const params = new URLSearchParams(search);
  for (const key of new Set([...params.keys()])) {
    if (key.startsWith('var-')) {
      const all = params.getAll(key);
      values[key.slice(4)] = all.length > 1 ? all : all[0];
    }
  }
  const variables = (): TypedVariableModel[] =>
    Object.entries(values).map(
      ([name, value]) =>
        ({
          name,
          label: name,
          type: 'custom',
          multi: Array.isArray(value),
          includeAll: true,
          current: { value, text: value, selected: true },
          options: [],
          hide: 0,
        }) as unknown as TypedVariableModel
    );
  return {
    values,
    getVariables: variables,
    containsTemplate: (target?: string) => !!target && new RegExp(VARIABLE_REF.source).test(target),
    updateTimeRange: (_range: TimeRange) => undefined,
    replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
      if (!target) {
        return target ?? '';
      }
      return target.replace(
        VARIABLE_REF,
        (match, a?: string, b?: string, bFormat?: string, c?: string, cFormat?: string) => {
          const name = (a ?? b ?? c)!;
          const scoped = scopedVars?.[name];
          let value: Value | undefined =
            scoped !== undefined && scoped !== null ? (scoped.value as Value) : values[name];
          if (value === undefined) {
            return match;
          }
          // All without the variable's options at hand: the custom all value `*` (what this host's specs use).
          if (value === '$__all' || (Array.isArray(value) && value.includes('$__all'))) {
            value = '*';
          }
          if (typeof format === 'function') {
            const variable = variables().find((v) => v.name === name);
            return String(format(value, variable));
          }
          return formatValue(value, bFormat ?? cFormat ?? format);
        }
      );
    },
  };
}
