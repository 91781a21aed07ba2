import type { DataQuery, DataSourceJsonData } from '@grafana/schema';

/** What POST /api/haproxy/query can answer (one frame list per refId). */
export const QUERY_TYPES = [
  'status_timeline',
  'status_counts',
  'sessions',
  'weight',
  'commands',
  'servers_table',
] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export const AGGREGATES = ['sum', 'avg', 'max'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export const SCOPE_KEYS = ['instance', 'backend', 'server', 'application'] as const;
export type ScopeKey = (typeof SCOPE_KEYS)[number];

/**
 * What a query covers: each key a name, a glob (`web-*`, `{a,b}`) or a template variable (`$instance`);
 * a missing key (or `*` / All) means no filter, an empty scope the whole fleet.
 */
export type Scope = Partial<Record<ScopeKey, string>>;

export interface HaproxyQuery extends DataQuery {
  type: QueryType;
  scope: Scope;
  /** sessions only: one series per backend (sum / avg / max of its servers) instead of one per server. */
  aggregate?: Aggregate;
}

export const DEFAULT_QUERY: Omit<HaproxyQuery, 'refId'> = { type: 'status_counts', scope: {} };

/** The data source's jsonData (visible to every user of the org). The token lives in secureJsonData.apiToken. */
export interface HaproxyOptions extends DataSourceJsonData {
  backendUrl?: string;
}

export interface HaproxySecureJsonData {
  apiToken?: string;
}

/** The lookups behind template variables and the query editor's scope pickers. */
export const LOOKUP_KINDS = ['instances', 'backends', 'servers', 'applications'] as const;
export type LookupKind = (typeof LOOKUP_KINDS)[number];

export const KIND_OF_SCOPE: Record<ScopeKey, LookupKind> = {
  instance: 'instances',
  backend: 'backends',
  server: 'servers',
  application: 'applications',
};

/** A template variable's query: which names to list, narrowed by the other scope keys (may hold `$variables`). */
export interface VariableQuery extends Scope {
  kind: LookupKind;
  /** Optional search text (a name part). */
  q?: string;
}

/** POST /api/haproxy/query */
export interface QueryRequestBody {
  range: { from: string; to: string };
  maxDataPoints: number;
  intervalMs?: number;
  queries: Array<{ refId: string; type: QueryType; scope: Scope; aggregate?: Aggregate }>;
}

export interface Me {
  token_name: string;
  role: string;
  actor?: string;
}

export const QUERY_TYPE_INFO: Record<QueryType, { label: string; description: string }> = {
  status_timeline: { label: 'Status timeline', description: 'Status of each server over time (state timeline panel)' },
  status_counts: { label: 'Status counts', description: 'Number of servers in each status over time' },
  sessions: { label: 'Sessions', description: 'Current sessions over time, per server or per backend' },
  weight: { label: 'Weight', description: 'Weight of each server over time' },
  commands: { label: 'Commands', description: 'drain / ready / maint commands: who, on which server, result' },
  servers_table: { label: 'Servers table', description: 'The current servers of the scope' },
};
