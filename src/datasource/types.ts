import type { MetricFindValue } from '@grafana/data';
import type { DataQuery, DataSourceJsonData } from '@grafana/schema';
import type { Aggregate, LookupKind, QueryType, Scope, ScopeKey } from '../api/types';

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

export const KIND_OF_SCOPE: Record<ScopeKey, LookupKind> = {
  instance: 'instances',
  backend: 'backends',
  server: 'servers',
  application: 'applications',
};

/** What the editors' scope pickers ask of the data source (DataSource.lookup), so editors need not import it. */
export interface NameLookup {
  lookup(kind: LookupKind, scope?: Scope, q?: string): Promise<MetricFindValue[]>;
}

/** A template variable's query: which names to list, narrowed by the other scope keys (may hold `$variables`). */
export interface VariableQuery extends Scope {
  kind: LookupKind;
  /** Optional search text (a name part). */
  q?: string;
}

export const QUERY_TYPE_INFO: Record<QueryType, { label: string; description: string }> = {
  status_timeline: { label: 'Status timeline', description: 'Status of each server over time (state timeline panel)' },
  status_counts: { label: 'Status counts', description: 'Number of servers in each status over time' },
  sessions: { label: 'Sessions', description: 'Current sessions over time, per server or per backend' },
  weight: { label: 'Weight', description: 'Weight of each server over time' },
  commands: { label: 'Commands', description: 'drain / ready / maint commands: who, on which server, result' },
  servers_table: { label: 'Servers table', description: 'The current servers of the scope' },
};
