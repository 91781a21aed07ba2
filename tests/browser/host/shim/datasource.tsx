/**
 * Grafana's pages for a data source plugin, as far as the plugin sees them:
 *  - the data source settings page (/connections/datasources/edit/<uid>): name, the plugin's ConfigEditor with
 *    DataSourceSettings from GET /api/datasources/uid/<uid>, and "Save & test" (PUT, then a fresh DataSourceApi
 *    on the saved settings and its testDatasource(), the result in an alert like Grafana's);
 *  - Explore (/explore?left={"datasource","queries","range"}): the plugin's QueryEditor for one query,
 *    "Run query" -> datasource.query() for the time range, and the returned frames, plainly (for the specs).
 */
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { from, type Subscription } from 'rxjs';
import {
  CoreApp,
  type DataFrame,
  type DataQuery,
  type DataQueryRequest,
  type DataSourceApi,
  type DataSourceInstanceSettings,
  type DataSourcePlugin,
  type DataSourcePluginMeta,
  type DataSourceSettings,
  dateMath,
  dateTime,
  FieldType,
  type GrafanaTheme2,
  LoadingState,
  type PanelData,
  rangeUtil,
  type TestDataSourceResponse,
  type TimeRange,
} from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, Input, Stack, useStyles2 } from '@grafana/ui';
import { load } from './amd';
import { HostPluginPage } from './shell';

export interface HostDataSourceBoot {
  instanceSettings: DataSourceInstanceSettings & { meta: DataSourcePluginMeta };
}

/** Grafana's importDataSourcePlugin: module.js through the AMD loader, its `plugin`, given its meta. */
export async function importDataSourcePlugin(meta: DataSourcePluginMeta): Promise<DataSourcePlugin<DataSourceApi>> {
  const exports = (await load(`/${meta.module}`)) as { plugin?: DataSourcePlugin<DataSourceApi> };
  if (!exports.plugin) {
    throw new Error(`${meta.module} exports no "plugin"`);
  }
  exports.plugin.meta = meta;
  return exports.plugin;
}

/** Grafana's DatasourceSrv.loadDatasource: `new DataSourceClass(instanceSettings)`, components and meta set. */
export function instantiate(
  plugin: DataSourcePlugin<DataSourceApi>,
  settings: DataSourceInstanceSettings
): DataSourceApi {
  const instance = new plugin.DataSourceClass(settings);
  instance.components = plugin.components;
  instance.meta = settings.meta;
  return instance;
}

/** What Grafana's frontend settings hold for a data source after a save (DataSourceSettings -> instance settings). */
function instanceSettingsOf(dto: DataSourceSettings, meta: DataSourcePluginMeta): DataSourceInstanceSettings {
  return {
    id: dto.id,
    uid: dto.uid,
    type: dto.type,
    name: dto.name,
    meta,
    url: `/api/datasources/proxy/uid/${dto.uid}`,
    access: dto.access as 'proxy',
    jsonData: dto.jsonData,
    readOnly: dto.readOnly,
    isDefault: dto.isDefault,
  };
}

/** Grafana's selectors (e2e-selectors: pages.DataSource.alert / saveAndTest). */
const ALERT_TESTID = 'data-testid Data source settings page Alert';
const SAVE_TESTID = 'data-testid Data source settings page Save and Test button';

interface TestingStatus {
  status: string;
  message: string;
  details?: { message?: string; verboseMessage?: string };
}

export function DataSourceConfigPage({ plugin, uid }: { plugin: DataSourcePlugin<DataSourceApi>; uid: string }) {
  const styles = useStyles2(getStyles);
  const [options, setOptions] = useState<DataSourceSettings>();
  const [loadError, setLoadError] = useState<string>();
  const [testing, setTesting] = useState(false);
  const [status, setStatus] = useState<TestingStatus>();
  const meta = plugin.meta;

  useEffect(() => {
    getBackendSrv()
      .get<DataSourceSettings>(`/api/datasources/uid/${uid}`)
      .then(setOptions, (err: { data?: { message?: string } }) =>
        setLoadError(err?.data?.message ?? 'Could not load the data source')
      );
  }, [uid]);

  // Grafana's testDataSource thunk: save, then a DataSourceApi on the saved settings, then testDatasource().
  const saveAndTest = async () => {
    if (!options) {
      return;
    }
    setTesting(true);
    setStatus(undefined);
    try {
      const saved = await getBackendSrv().put<{ datasource: DataSourceSettings }>(
        `/api/datasources/uid/${uid}`,
        options
      );
      setOptions(saved.datasource);
      const api = instantiate(plugin, instanceSettingsOf(saved.datasource, meta));
      const result: TestDataSourceResponse = await api.testDatasource();
      setStatus({
        status: result.status,
        message: result.message,
        details: result.details as TestingStatus['details'],
      });
    } catch (err) {
      const { statusText, message, details, data } = (err ?? {}) as {
        statusText?: string;
        message?: string;
        details?: TestingStatus['details'];
        data?: { message?: string };
      };
      setStatus({
        status: 'error',
        message: message || data?.message || `HTTP error ${statusText ?? ''}`.trim(),
        details,
      });
    } finally {
      setTesting(false);
    }
  };

  if (loadError) {
    return (
      <HostPluginPage pageNav={{ text: 'Data source' }}>
        <Alert severity="error" title={loadError} />
      </HostPluginPage>
    );
  }
  if (!options) {
    return <HostPluginPage pageNav={{ text: 'Data source' }}>Loading...</HostPluginPage>;
  }
  const ConfigEditor = plugin.components.ConfigEditor;
  const severity = status?.status === 'success' ? 'success' : status?.status === 'warning' ? 'warning' : 'error';
  return (
    <HostPluginPage
      pageNav={{ text: options.name }}
      subTitle={
        <Stack alignItems="center" gap={1}>
          <img src={`/${meta.info.logos.small}`} alt="" width={16} height={16} />
          <span>Type: {meta.name}</span>
        </Stack>
      }
    >
      <div className={styles.settings}>
        <Field label="Name" description="The name used in panels and queries">
          <Input
            id="basic-settings-name"
            width={40}
            value={options.name}
            onChange={(e) => setOptions({ ...options, name: e.currentTarget.value })}
          />
        </Field>
        {ConfigEditor ? <ConfigEditor options={options} onOptionsChange={setOptions} /> : null}
        {testing && <Alert severity="info" title="Testing..." />}
        {status && (
          <Alert severity={severity} title={status.message} data-testid={ALERT_TESTID}>
            {status.details?.message}
          </Alert>
        )}
        <Stack gap={1}>
          <Button variant="secondary" fill="outline" onClick={() => window.history.back()}>
            Back
          </Button>
          <Button variant="primary" disabled={testing} onClick={saveAndTest} data-testid={SAVE_TESTID}>
            Save &amp; test
          </Button>
        </Stack>
      </div>
    </HostPluginPage>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Explore

interface ExploreState {
  datasource?: string;
  queries?: DataQuery[];
  range?: { from: string; to: string };
}

/** Grafana's older Explore URL: `?left={"datasource":"<uid>","queries":[...],"range":{"from":"now-1h","to":"now"}}`. */
function exploreStateOf(search: string): ExploreState {
  const left = new URLSearchParams(search).get('left');
  if (!left) {
    return {};
  }
  try {
    return JSON.parse(left) as ExploreState;
  } catch {
    return {};
  }
}

const MAX_DATA_POINTS = 1000;

/** The range of `now-1h` .. `now` (or absolute times) from one `now`, so that its span is exact. */
function toTimeRange(raw: { from: string; to: string }): TimeRange {
  const now = dateTime();
  const parse = (text: string, roundUp: boolean) =>
    (text.startsWith('now') ? dateMath.parseDateMath(text.slice(3), now, roundUp) : dateMath.parse(text, roundUp)) ??
    dateTime(now);
  return { from: parse(raw.from, false), to: parse(raw.to, true), raw };
}

export function ExplorePage({
  plugin,
  settings,
}: {
  plugin: DataSourcePlugin<DataSourceApi>;
  settings: DataSourceInstanceSettings;
}) {
  const styles = useStyles2(getStyles);
  const [datasource] = useState(() => instantiate(plugin, settings));
  const [state] = useState(() => exploreStateOf(window.location.search));
  const [query, setQuery] = useState<DataQuery>(
    () => state.queries?.[0] ?? { refId: 'A', ...(datasource.getDefaultQuery?.(CoreApp.Explore) ?? {}) }
  );
  const latest = useRef(query);
  const [raw] = useState(state.range ?? { from: 'now-1h', to: 'now' });
  const [data, setData] = useState<PanelData>();
  const subscription = useRef<Subscription>();
  const requests = useRef(0);
  useEffect(() => () => subscription.current?.unsubscribe(), []);

  const onChange = useCallback((next: DataQuery) => {
    latest.current = next;
    setQuery(next);
  }, []);

  // Grafana's runRequest: one DataQueryRequest for the range, the panel's data from the Observable.
  const run = useCallback(() => {
    subscription.current?.unsubscribe();
    const range = toTimeRange(raw);
    const { intervalMs, interval } = rangeUtil.calculateInterval(range, MAX_DATA_POINTS);
    const request = {
      app: CoreApp.Explore,
      requestId: `explore_${++requests.current}`,
      range,
      rangeRaw: range.raw,
      interval,
      intervalMs,
      maxDataPoints: MAX_DATA_POINTS,
      targets: [latest.current],
      scopedVars: {},
      timezone: 'browser',
      startTime: Date.now(),
    } as DataQueryRequest;
    setData({ state: LoadingState.Loading, series: [], timeRange: range });
    subscription.current = from(datasource.query(request)).subscribe({
      next: (response) =>
        setData({
          state: response.error ? LoadingState.Error : LoadingState.Done,
          series: response.data as DataFrame[],
          errors: response.errors ?? (response.error ? [response.error] : undefined),
          timeRange: range,
        }),
      error: (err: unknown) =>
        setData({
          state: LoadingState.Error,
          series: [],
          errors: [
            { message: err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err) },
          ],
          timeRange: range,
        }),
    });
  }, [datasource, raw]);

  const QueryEditor = plugin.components.QueryEditor;
  const range = toTimeRange(raw);
  return (
    <HostPluginPage pageNav={{ text: 'Explore' }} subTitle={`${settings.name}: ${raw.from} to ${raw.to}`}>
      <div className={styles.settings}>
        <div className={styles.queryRow} aria-label={`Query ${query.refId}`}>
          {QueryEditor ? (
            <QueryEditor
              datasource={datasource}
              query={query}
              queries={[query]}
              onChange={onChange}
              onRunQuery={run}
              range={range}
              data={data}
              app={CoreApp.Explore}
            />
          ) : null}
        </div>
        <Stack gap={1}>
          <Button icon="sync" onClick={run}>
            Run query
          </Button>
        </Stack>
        <Results data={data} />
      </div>
    </HostPluginPage>
  );
}

const ROWS_SHOWN = 5;

function cell(type: FieldType, value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (type === FieldType.time && typeof value === 'number') {
    return new Date(value).toISOString();
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The frames as they came back: name, refId, fields (name, type, display name), row count, the first rows. */
function Results({ data }: { data?: PanelData }) {
  const styles = useStyles2(getStyles);
  if (!data) {
    return null;
  }
  if (data.state === LoadingState.Loading) {
    return (
      <div aria-label="Query results" aria-busy="true">
        Loading...
      </div>
    );
  }
  return (
    <section aria-label="Query results" data-state={data.state} className={styles.results}>
      {data.errors?.map((e, i) => (
        <Alert key={i} severity="error" title={e.message ?? 'Query error'} />
      ))}
      {data.state === LoadingState.Done && (
        <div>{`${data.series.length} frame${data.series.length === 1 ? '' : 's'}`}</div>
      )}
      {data.series.map((frame, i) => {
        const name = frame.name ?? `Frame ${i + 1}`;
        return (
          <section key={i} aria-label={`Frame ${name}`} className={styles.frame}>
            <h3 className={styles.frameTitle}>{name}</h3>
            <div>
              refId {frame.refId ?? '-'} · {frame.length} {frame.length === 1 ? 'row' : 'rows'}
              {frame.meta?.custom ? ` · meta ${JSON.stringify(frame.meta.custom)}` : ''}
            </div>
            {frame.meta?.notices?.map((n, j) => (
              <div key={j}>Notice: {n.text}</div>
            ))}
            <table aria-label="Fields" className={styles.table}>
              <thead>
                <tr>
                  <th>Field</th>
                  <th>Type</th>
                  <th>Display name</th>
                </tr>
              </thead>
              <tbody>
                {frame.fields.map((f) => (
                  <tr key={f.name}>
                    <td>{f.name}</td>
                    <td>{f.type}</td>
                    <td>{f.config.displayName ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <table aria-label="Rows" className={styles.table}>
              <thead>
                <tr>
                  {frame.fields.map((f) => (
                    <th key={f.name}>{f.name}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: Math.min(frame.length, ROWS_SHOWN) }, (_, row) => (
                  <tr key={row}>
                    {frame.fields.map((f) => (
                      <td key={f.name}>{cell(f.type, f.values[row])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  settings: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), maxWidth: theme.spacing(150) }),
  queryRow: css({
    padding: theme.spacing(1),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
  }),
  results: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  frame: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  frameTitle: css({ ...theme.typography.h4, margin: 0 }),
  table: css({
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { border: `1px solid ${theme.colors.border.weak}`, padding: theme.spacing(0.5, 1), textAlign: 'left' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
});
