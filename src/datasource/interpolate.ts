import type { ScopedVars } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { type Scope, SCOPE_KEYS } from '../api/types';

/** `$name`, `${name}`, `${name:format}`, `[[name]]`, `[[name:format]]` (Grafana's variable syntaxes). */
const VARIABLE_REF = /\$(\w+)|\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]/g;

/** The backend reads `*` (like empty, "all" and "$__all") as "no filter". */
export const ANY = '*';

/**
 * How a multi-value selection reaches the backend:
 * - glob: `{a,b}` in a scope (POST /api/haproxy/query, GET /api/haproxy/lookup/...): the backend matches names by
 *   glob, so a value such as `web-$backend` becomes `web-{a,b}` and keeps its meaning; a glob of escaped names
 *   only is matched as exact names, of any number;
 * - csv: `a,b` (a lookup's search text).
 */
export type MultiFormat = 'glob' | 'csv';

/**
 * A name as one alternative of a glob alternation: the backend's globs (backend/src/domain/glob.ts, picomatch) read
 * `,` and `}` as the alternation's own, `*?[]{}` as patterns and `()!+@|` as extglob; a backslash makes any of them
 * the character itself. A name with a comma (an application "Shop, EU") would otherwise be split in two.
 */
const escapeGlob = (name: string) => name.replace(/[\\*?[\]{}(),!+@|]/g, '\\$&');

function formatter(mode: MultiFormat) {
  return (value: unknown): string => {
    if (!Array.isArray(value)) {
      return value === undefined || value === null ? '' : String(value);
    }
    const values = value.map(String);
    if (values.length <= 1) {
      return values[0] ?? '';
    }
    // One value stays as it is: the backend matches it as a name as well as a glob.
    return mode === 'glob' ? `{${values.map(escapeGlob).join(',')}}` : values.join(',');
  };
}

function isAllSelected(name: string, scopedVars?: ScopedVars): boolean {
  if (scopedVars?.[name]) {
    return false;
  }
  const variable = getTemplateSrv()
    .getVariables()
    .find((v) => v.name === name) as { current?: { value?: unknown } } | undefined;
  const value = variable?.current?.value;
  return value === '$__all' || (Array.isArray(value) && value.includes('$__all'));
}

/**
 * Interpolates template variables. "All" always becomes `*` (no filter) rather than the list of every value
 * (which the variable's own allValue or Grafana would otherwise produce): the backend then filters nothing, which
 * is both right and cheap on a large fleet.
 */
export function interpolate(text: string | undefined, scopedVars: ScopedVars | undefined, mode: MultiFormat): string {
  if (!text) {
    return '';
  }
  const withAll = text.replace(VARIABLE_REF, (ref, a?: string, b?: string, c?: string) =>
    isAllSelected((a ?? b ?? c)!, scopedVars) ? ANY : ref
  );
  return getTemplateSrv().replace(withAll, scopedVars, formatter(mode)).trim();
}

/** A scope with variables replaced; keys without a filter (empty, `*`) are left out: omitted = whole fleet. */
export function interpolateScope(
  scope: Scope | undefined,
  scopedVars: ScopedVars | undefined,
  mode: MultiFormat
): Scope {
  const out: Scope = {};
  for (const key of SCOPE_KEYS) {
    // A query written by hand (the panel's JSON) may hold an id or a list, as the backend takes them: passed on,
    // the texts of a list interpolated.
    const raw: unknown = scope?.[key];
    if (typeof raw === 'number' || Array.isArray(raw)) {
      out[key] = (
        Array.isArray(raw)
          ? raw.map((v: unknown) => (typeof v === 'string' ? interpolate(v, scopedVars, mode) : v))
          : raw
      ) as never;
      continue;
    }
    const value = interpolate(typeof raw === 'string' ? raw : undefined, scopedVars, mode);
    if (value !== '' && value !== ANY) {
      out[key] = value;
    }
  }
  return out;
}
