import { map, type Observable, of } from 'rxjs';
import {
  type AnnotationEvent,
  type AnnotationSupport,
  type CoreApp,
  type DataFrame,
  dataFrameFromJSON,
  type DataFrameJSON,
  type DataQueryRequest,
  type DataQueryResponse,
  DataSourceApi,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
  textUtil,
} from '@grafana/data';
import { type ApiError, asApiError } from '../api/errors';
import { createHaproxyApi, type HaproxyApi } from '../api/haproxyApi';
import { createHttpClient } from '../api/http';
import {
  LOOKUP_KINDS,
  type LookupKind,
  type Me,
  QUERY_TYPES,
  type QueryRequestBody,
  type Scope,
  SCOPE_KEYS,
} from '../api/types';
import { CommandsAnnotationEditor } from './components/CommandsAnnotationEditor';
import { interpolate, interpolateScope } from './interpolate';
import { DEFAULT_QUERY, type HaproxyOptions, type HaproxyQuery, type VariableQuery } from './types';

/** Used when Grafana gives no maxDataPoints (annotations, some API callers). */
export const DEFAULT_MAX_DATA_POINTS = 1000;
/** The most points one request may ask for, maxDataPoints × queries (POST /api/haproxy/query answers 400 above). */
export const MAX_POINTS_PER_REQUEST = 50_000;
/** The most names GET /api/haproxy/lookup gives (its default is 1000): a variable lists the whole fleet's. */
export const MAX_VARIABLE_VALUES = 10_000;

function normalizeLookup(data: unknown, kind: LookupKind): MetricFindValue[] {
  const record = data as Record<string, unknown> | undefined;
  const list = Array.isArray(data)
    ? data
    : Array.isArray(record?.values)
      ? record.values
      : Array.isArray(record?.[kind])
        ? (record[kind] as unknown[])
        : [];
  return list
    .map((item): MetricFindValue | undefined => {
      if (typeof item === 'string' || typeof item === 'number') {
        return { text: String(item), value: String(item) };
      }
      const o = item as { text?: unknown; value?: unknown; name?: unknown } | null;
      const text = o?.text ?? o?.name ?? o?.value;
      if (text === undefined || text === null) {
        return undefined;
      }
      return { text: String(text), value: String(o?.value ?? text) };
    })
    .filter((v): v is MetricFindValue => v !== undefined);
}

function isLookupKind(kind: unknown): kind is LookupKind {
  return LOOKUP_KINDS.includes(kind as LookupKind);
}

/**
 * A variable query from the dashboard: the editor's object, or (hand-written / older) a string:
 * `backends`, `backends?instance=$instance`, or the object as JSON.
 */
export function parseVariableQuery(query: unknown): VariableQuery | undefined {
  if (query && typeof query === 'object') {
    const q = query as Partial<VariableQuery> & { query?: unknown };
    if (isLookupKind(q.kind)) {
      return q as VariableQuery;
    }
    // Grafana can wrap a legacy string query as { query: "..." }
    return typeof q.query === 'string' ? parseVariableQuery(q.query) : undefined;
  }
  if (typeof query !== 'string') {
    return undefined;
  }
  const text = query.trim();
  if (text.startsWith('{')) {
    try {
      return parseVariableQuery(JSON.parse(text));
    } catch {
      return undefined;
    }
  }
  // The first `?` starts the parameters; a later one belongs to a value.
  const mark = text.indexOf('?');
  const [kind, search] = mark < 0 ? [text, ''] : [text.slice(0, mark), text.slice(mark + 1)];
  if (!isLookupKind(kind.trim())) {
    return undefined;
  }
  const out: VariableQuery = { kind: kind.trim() as LookupKind };
  for (const [key, value] of new URLSearchParams(search)) {
    if ((SCOPE_KEYS as readonly string[]).includes(key) || key === 'q') {
      (out as unknown as Record<string, string>)[key] = value;
    }
  }
  return out;
}

/** A panel or a variable of this data source: the fix is in the data source's settings. */
const DATASOURCE_WORDING = {
  unreachable: 'HAProxy Control backend unreachable: check the data source backend URL and that the service runs.',
  unauthorized: 'HAProxy Control rejected the data source token (401): update it in the data source settings.',
  not_configured:
    'The data source proxy route was not found (404): the HAProxy Control data source plugin is missing or outdated.',
};

export class DataSource extends DataSourceApi<HaproxyQuery, HaproxyOptions> {
  readonly backendUrl: string;
  /** The shared client over `/api/datasources/proxy/uid/<uid>`: Grafana's data source proxy adds the token. */
  private readonly api: HaproxyApi;

  constructor(instanceSettings: DataSourceInstanceSettings<HaproxyOptions>) {
    super(instanceSettings);
    this.backendUrl = instanceSettings.jsonData?.backendUrl ?? '';
    this.api = createHaproxyApi(
      createHttpClient(`/api/datasources/proxy/uid/${instanceSettings.uid}`, DATASOURCE_WORDING)
    );
    this.annotations = commandAnnotations;
  }

  getDefaultQuery(_app: CoreApp): Partial<HaproxyQuery> {
    return DEFAULT_QUERY;
  }

  /** A query saved without a type runs as the type its editor shows (the default); unknown types are left out. */
  filterQuery(query: HaproxyQuery): boolean {
    return !query.hide && QUERY_TYPES.includes(query.type ?? DEFAULT_QUERY.type);
  }

  applyTemplateVariables(query: HaproxyQuery, scopedVars: ScopedVars): HaproxyQuery {
    return {
      ...query,
      type: query.type ?? DEFAULT_QUERY.type,
      scope: interpolateScope(query.scope, scopedVars, 'glob'),
    };
  }

  interpolateVariablesInQueries(queries: HaproxyQuery[], scopedVars: ScopedVars): HaproxyQuery[] {
    return queries.map((q) => this.applyTemplateVariables(q, scopedVars));
  }

  /** The request body of POST /api/haproxy/query for a panel's request (variables applied, hidden queries left out). */
  buildQueryBody(request: DataQueryRequest<HaproxyQuery>): QueryRequestBody {
    const queries = request.targets
      .filter((q) => this.filterQuery(q))
      .map((q) => {
        const { refId, type, scope, aggregate } = this.applyTemplateVariables(q, request.scopedVars);
        return { refId, type, scope, ...(type === 'sessions' && aggregate ? { aggregate } : {}) };
      });
    return {
      range: { from: request.range.from.toISOString(), to: request.range.to.toISOString() },
      maxDataPoints: Math.max(
        1,
        Math.min(
          Math.floor(MAX_POINTS_PER_REQUEST / Math.max(1, queries.length)),
          Math.round(request.maxDataPoints || DEFAULT_MAX_DATA_POINTS)
        )
      ),
      ...(request.intervalMs ? { intervalMs: request.intervalMs } : {}),
      queries,
    };
  }

  query(request: DataQueryRequest<HaproxyQuery>): Observable<DataQueryResponse> {
    const body = this.buildQueryBody(request);
    if (body.queries.length === 0) {
      return of({ data: [] });
    }
    return this.api.query<DataFrameJSON>(body, request.requestId).pipe(
      map((response) => {
        const results = response?.results ?? {};
        const data: DataFrame[] = [];
        for (const { refId } of body.queries) {
          for (const json of results[refId]?.frames ?? []) {
            const frame = dataFrameFromJSON(json);
            data.push({ ...frame, refId: frame.refId ?? refId });
          }
        }
        return { data };
      })
    );
  }

  /**
   * Names for a variable or a scope picker; `scope` may hold variables (multi-value -> `{a,b}` of escaped names,
   * which keeps a name with a comma whole; All -> no filter).
   */
  async lookup(
    kind: LookupKind,
    scope: Scope = {},
    q?: string,
    scopedVars?: ScopedVars,
    limit?: number
  ): Promise<MetricFindValue[]> {
    const params: Record<string, string> = { ...interpolateScope(scope, scopedVars, 'glob') };
    const search = interpolate(q, scopedVars, 'csv');
    if (search) {
      params.q = search;
    }
    if (limit) {
      params.limit = String(limit);
    }
    return normalizeLookup(await this.api.lookup(kind, params), kind);
  }

  async metricFindQuery(
    query: VariableQuery | string,
    options?: { scopedVars?: ScopedVars; searchFilter?: string }
  ): Promise<MetricFindValue[]> {
    const parsed = parseVariableQuery(query);
    if (!parsed) {
      throw new Error(
        'Unknown variable query: choose instances, backends, servers or applications (e.g. "backends?instance=$instance").'
      );
    }
    const { kind, q, ...scope } = parsed;
    // The scope pickers search past the lookup's default 1000 names; a variable has only this one list.
    return this.lookup(kind, scope, q || options?.searchFilter, options?.scopedVars, MAX_VARIABLE_VALUES);
  }

  /** "Save & test": the backend answers through the proxy, accepts the token, and has the history API. */
  async testDatasource(): Promise<TestDataSourceResponse> {
    if (!/^https?:\/\/\S+/.test(this.backendUrl)) {
      return {
        status: 'error',
        message: 'Set the backend URL (http://host:port of the HAProxy Control service) and save.',
      };
    }
    let me: Me;
    try {
      me = await this.api.me();
    } catch (err) {
      return testFailure(asApiError(err), this.backendUrl);
    }
    if (typeof me?.role !== 'string') {
      // Something else answered 200 (Grafana itself, a proxy's page): no token name or role to report.
      return {
        status: 'error',
        message: `${this.backendUrl} answers, but not as HAProxy Control (no token and role from /api/me): check the backend URL.`,
      };
    }
    try {
      await this.api.lookup('instances', {});
    } catch (err) {
      const problem = asApiError(err);
      // Without the history API an older backend answers 404 (with or without its error body).
      if (problem.status === 404) {
        return {
          status: 'error',
          message:
            'The backend accepts the token but has no history API (404 on /api/haproxy/lookup): upgrade HAProxy Control.',
        };
      }
      return testFailure(problem, this.backendUrl);
    }
    const connected = `Connected to HAProxy Control at ${this.backendUrl} as token "${me.token_name}" (role ${me.role})`;
    if (me.role !== 'viewer') {
      // Whoever may query the data source sends its token: more than reads would be a back door to commands.
      return {
        status: 'warning',
        message: `${connected}, but the data source only reads: use a viewer token. Every user who can query this data source sends its token.`,
      };
    }
    return { status: 'success', message: `${connected}.` };
  }
}

/** What "Save & test" says: the connection test names the URL and the setting to fix. */
function testFailure(problem: ApiError, backendUrl: string): TestDataSourceResponse {
  switch (problem.kind) {
    case 'unreachable':
      return {
        status: 'error',
        message: `Cannot reach the HAProxy Control backend at ${backendUrl} (${
          problem.status ? `status ${problem.status}` : 'no answer'
        }). The URL is resolved by the Grafana server, not your browser: check it and that the service is running.`,
      };
    case 'unauthorized':
      return {
        status: 'error',
        message: 'The backend rejected the API token (401). Paste a valid HAProxy Control token and save.',
      };
    case 'forbidden':
      return {
        status: 'error',
        message: `The backend refused the API token (403): ${problem.message}. Use a token with at least the viewer role.`,
      };
    case 'grafana_forbidden':
      return {
        status: 'error',
        message: `Grafana refused the request (403): ${problem.message}`,
      };
    case 'not_configured':
      return { status: 'error', message: problem.message };
    default:
      return {
        status: 'error',
        message: `Unexpected answer from the backend (${problem.status || 'no status'}): ${problem.message}`,
      };
  }
}

/** Annotations from the audit log: the `commands` type, with the scope of the dashboard's variables. */
export const commandAnnotations: AnnotationSupport<HaproxyQuery> = {
  getDefaultQuery: () => ({ type: 'commands', scope: {} }),
  prepareAnnotation: (json) => ({
    ...json,
    target: { refId: 'Anno', scope: {}, ...(json.target ?? {}), type: 'commands' } as HaproxyQuery,
  }),
  prepareQuery: (anno) =>
    anno.target ? { ...anno.target, refId: anno.target.refId || 'Anno', type: 'commands' } : undefined,
  processEvents: (_anno, frames) => of(frames.flatMap(commandEvents)),
  QueryEditor: CommandsAnnotationEditor,
};

/**
 * The events of a commands frame (time, timeEnd, title, text, tags), as Grafana's default mapping makes them but
 * with the title and text as plain text: Grafana's tooltip renders both as HTML, and they hold what others wrote
 * (a server's name from the agent, an actor's login, an agent's error, which may be an HTML error page).
 */
function commandEvents(frame: DataFrame): AnnotationEvent[] {
  const values = (name: string) => frame.fields.find((f) => f.name === name)?.values;
  const time = values('time');
  if (!time) {
    return [];
  }
  const [timeEnd, title, text, tags] = ['timeEnd', 'title', 'text', 'tags'].map(values);
  return Array.from(time, (at: number, i) => ({
    time: at,
    timeEnd: timeEnd?.[i] ?? at,
    title: title?.[i] === undefined || title[i] === null ? undefined : textUtil.escapeHtml(String(title[i])),
    text: textUtil.escapeHtml(String(text?.[i] ?? '')).replace(/\r?\n/g, '<br>'),
    tags: String(tags?.[i] ?? '')
      .split(',')
      .filter(Boolean),
  }));
}
