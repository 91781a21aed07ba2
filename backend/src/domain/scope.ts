import { nameFilter } from './glob';

/**
 * Scopes of history queries and variable lookups: each of instance / backend / server / application is
 * an id (a JSON number), a name or glob (a string), a list of those (any matches), or empty / "All"
 * for no filter. Names from users are data: they reach SQL only as parameters.
 */
export type ScopeValue = number | string | Array<number | string>;

export interface Scope {
  instance?: ScopeValue;
  backend?: ScopeValue;
  server?: ScopeValue;
  application?: ScopeValue;
}

export const SCOPE_KEYS = ['instance', 'backend', 'server', 'application'] as const;
export type ScopeKey = (typeof SCOPE_KEYS)[number];

export interface Matcher {
  ids: number[];
  names: string[];
  /** Anchored regular expressions of the glob values (domain/glob.ts). */
  patterns: string[];
}

/** What Grafana sends for "All" (and what users type for "anything"). */
const ALL = new Set(['*', 'all', '$__all']);

/** undefined = no filter. */
export function compileMatcher(value: ScopeValue | undefined): Matcher | undefined {
  if (value === undefined) {
    return undefined;
  }
  // Blanks say nothing; a value that stands for anything (`*`, "All") makes the list (any matches) match anything.
  const values = (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'number' || v.trim() !== '');
  if (values.length === 0 || values.some((v) => typeof v === 'string' && ALL.has(v.trim().toLowerCase()))) {
    return undefined;
  }
  const ids = values.filter((v): v is number => typeof v === 'number');
  return { ids, ...nameFilter(values.filter((v): v is string => typeof v === 'string')) };
}

/** True when the scope only narrows by instance (or not at all): fleet-level counts can answer it. */
export function isInstanceLevel(scope: Scope): boolean {
  return (
    compileMatcher(scope.backend) === undefined &&
    compileMatcher(scope.server) === undefined &&
    compileMatcher(scope.application) === undefined
  );
}
