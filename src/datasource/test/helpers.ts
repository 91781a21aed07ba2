import { http, HttpResponse, type JsonBodyType } from 'msw';
import { type DataSourceInstanceSettings, type DataSourcePluginMeta, PluginType, type ScopedVars } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { ORIGIN } from '../../test/handlers';
import { server } from '../../test/server';
import { DataSource } from '../datasource';
import type { HaproxyOptions } from '../types';

export const DS_UID = 'haproxy-control-ds';
/** What Grafana's data source proxy serves for the test data source. */
export const DS_PROXY = `${ORIGIN}/api/datasources/proxy/uid/${DS_UID}`;

export function makeDataSource(jsonData: HaproxyOptions = { backendUrl: 'http://backend:8080' }): DataSource {
  const settings: DataSourceInstanceSettings<HaproxyOptions> = {
    id: 1,
    uid: DS_UID,
    type: 'appcontrol-haproxy-datasource',
    name: 'HAProxy Control',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: {
      id: 'appcontrol-haproxy-datasource',
      name: 'HAProxy Control',
      type: PluginType.datasource,
      info: {} as DataSourcePluginMeta['info'],
      module: '',
      baseUrl: '',
    } as DataSourcePluginMeta<HaproxyOptions>,
  };
  return new DataSource(settings);
}

export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  body?: any;
}

/** The backend's query and lookup endpoints behind the data source proxy; every request is recorded. */
export function installBackend(
  options: {
    frames?: (body: any) => Record<string, { frames: unknown[] }>;
    lookup?: (kind: string, params: Record<string, string>) => JsonBodyType;
    me?: () => Response;
  } = {}
) {
  const requests: RecordedRequest[] = [];
  const record = async (request: Request) => {
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.clone().text();
    const entry: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      params: Object.fromEntries(url.searchParams),
      body: text ? JSON.parse(text) : undefined,
    };
    requests.push(entry);
    return entry;
  };
  server.use(
    http.post(`${DS_PROXY}/api/haproxy/query`, async ({ request }) => {
      const { body } = await record(request);
      const results =
        options.frames?.(body) ??
        Object.fromEntries((body.queries as Array<{ refId: string }>).map((q) => [q.refId, { frames: [] }]));
      return HttpResponse.json({ results } as JsonBodyType);
    }),
    http.get(`${DS_PROXY}/api/haproxy/lookup/:kind`, async ({ request, params }) => {
      const { params: query } = await record(request);
      const kind = String(params.kind);
      return HttpResponse.json(
        options.lookup?.(kind, query) ?? { values: [`${kind}-1`, `${kind}-2`].map((v) => ({ text: v, value: v })) }
      );
    }),
    http.get(`${DS_PROXY}/api/me`, async ({ request }) => {
      await record(request);
      return options.me?.() ?? HttpResponse.json({ token_name: 'grafana-trends', role: 'viewer', actor: 'grafana' });
    })
  );
  return requests;
}

export interface TestVariable {
  name: string;
  /** '$__all' (or ['$__all']) for All */
  value: string | string[];
  /** Every value the variable offers (what Grafana expands All to when there is no allValue). */
  options?: string[];
  allValue?: string;
}

const VARIABLE_REF = /\$(\w+)|\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)(?::(\w+))?\]\]/g;

function isAll(value: string | string[]) {
  return value === '$__all' || (Array.isArray(value) && value.includes('$__all'));
}

/**
 * Grafana's TemplateSrv as far as the data source uses it: replace() with a format function (called with the
 * value, an array for multi-value), a custom allValue used raw, All expanded to every option otherwise, scoped
 * variables (repeats) first; getVariables() with each variable's current value.
 */
export function installTemplateSrv(variables: TestVariable[]): TemplateSrv {
  const srv: TemplateSrv = {
    getVariables: () =>
      variables.map((v) => ({
        name: v.name,
        type: 'query',
        multi: Array.isArray(v.value),
        includeAll: true,
        allValue: v.allValue,
        current: { value: v.value, text: v.value },
      })) as any,
    replace: (target?: string, scopedVars?: ScopedVars, format?: string | Function) =>
      (target ?? '').replace(VARIABLE_REF, (match, a, b, _bf, c) => {
        const name: string = a ?? b ?? c;
        const scoped = scopedVars?.[name];
        let value: string | string[];
        if (scoped) {
          value = scoped.value;
        } else {
          const variable = variables.find((v) => v.name === name);
          if (!variable) {
            return match;
          }
          value = variable.value;
          if (isAll(value)) {
            if (variable.allValue) {
              return variable.allValue;
            }
            value = variable.options ?? [];
          }
        }
        if (typeof format === 'function') {
          return format(value, { name });
        }
        return Array.isArray(value) ? (value.length > 1 ? `{${value.join(',')}}` : (value[0] ?? '')) : value;
      }),
    containsTemplate: (target?: string) => Boolean(target && /\$\w|\[\[/.test(target)),
    updateTimeRange: () => {},
  };
  setTemplateSrv(srv);
  return srv;
}
