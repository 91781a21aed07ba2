/**
 * Scopes of history queries and variable lookups: each of instance / backend / server / application is
 * an id (a JSON number), a name or glob pattern (a string), a list of those (any matches), or empty / "All"
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

export interface Matcher {
  ids: number[];
  names: string[];
  /** Anchored PostgreSQL regular expressions from glob patterns. */
  patterns: string[];
}

/** What Grafana sends for "All" (and what users type for "anything"). */
const ALL = new Set(['', '*', 'all', '$__all']);

const GLOB_CHARS = /[*?[{]/;

/**
 * A glob (`*`, `?`, `[abc]`, `[!abc]`, `{a,b}` as Grafana formats multi-value variables) as an anchored
 * PostgreSQL regular expression; every other character is literal.
 */
export function globToRegex(glob: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      out += '.*';
    } else if (c === '?') {
      out += '.';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) {
        body = body.slice(1);
      }
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^[]/g, (x) => `\\${x}`)}]`;
      i = close;
    } else if (c === '{') {
      braces++;
      out += '(';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) {
      out += '|';
    } else {
      out += c.replace(/[.+^$()|\\{}\]]/g, (x) => `\\${x}`);
    }
  }
  // An unclosed `{` is a literal one: give up on alternation rather than build a broken expression.
  if (braces > 0) {
    return `^${glob.replace(/[.*+?^$()|[\]\\{}]/g, (x) => `\\${x}`)}$`;
  }
  return `^${out}$`;
}

/** undefined = no filter. */
export function compileMatcher(value: ScopeValue | undefined): Matcher | undefined {
  if (value === undefined) {
    return undefined;
  }
  const values = (Array.isArray(value) ? value : [value]).filter(
    (v) => typeof v === 'number' || !ALL.has(v.trim().toLowerCase())
  );
  if (values.length === 0) {
    return undefined;
  }
  const m: Matcher = { ids: [], names: [], patterns: [] };
  for (const v of values) {
    if (typeof v === 'number') {
      m.ids.push(v);
    } else {
      m.names.push(v);
      if (GLOB_CHARS.test(v)) {
        m.patterns.push(globToRegex(v));
      }
    }
  }
  return m;
}

/** `(id = ANY($n) OR name = ANY($m) OR name ~ ANY($k))` with its values appended to params. */
export function matcherSql(m: Matcher, idCol: string, nameCol: string, params: unknown[]): string {
  const parts: string[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    parts.push(sql.replace('?', `$${params.length}`));
  };
  if (m.ids.length) {
    add(`${idCol} = ANY(?::int[])`, m.ids);
  }
  if (m.names.length) {
    add(`${nameCol} = ANY(?::text[])`, m.names);
  }
  if (m.patterns.length) {
    add(`${nameCol} ~ ANY(?::text[])`, m.patterns);
  }
  return `(${parts.join(' OR ')})`;
}

export interface ScopeSqlOptions {
  /** Also removed servers and backends (time series show servers that existed during the range). */
  includeRemoved: boolean;
}

/**
 * WHERE over `haproxy_servers s JOIN haproxy_backends b JOIN haproxy_instances i LEFT JOIN applications a`
 * for a scope; params are appended.
 */
export function scopeWhere(scope: Scope, params: unknown[], o: ScopeSqlOptions): string {
  const where: string[] = o.includeRemoved ? [] : ['s.removed_at IS NULL', 'b.removed_at IS NULL'];
  const cols: Record<(typeof SCOPE_KEYS)[number], [string, string]> = {
    instance: ['i.id', 'i.name'],
    backend: ['b.id', 'b.backend_name'],
    server: ['s.id', 's.server_name'],
    application: ['a.id', 'a.name'],
  };
  for (const key of SCOPE_KEYS) {
    const m = compileMatcher(scope[key]);
    if (m) {
      where.push(matcherSql(m, cols[key][0], cols[key][1], params));
    }
  }
  return where.length ? where.join(' AND ') : 'true';
}

/** True when the scope only narrows by instance (or not at all): fleet-level counts can answer it. */
export function isInstanceLevel(scope: Scope): boolean {
  return (
    compileMatcher(scope.backend) === undefined &&
    compileMatcher(scope.server) === undefined &&
    compileMatcher(scope.application) === undefined
  );
}
