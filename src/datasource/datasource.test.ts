import { lastValueFrom } from 'rxjs';
import { http, HttpResponse } from 'msw';
import {
  type AnnotationQuery,
  CoreApp,
  type DataQueryRequest,
  dateTime,
  FieldType,
  type ScopedVars,
} from '@grafana/data';
import { server } from '../test/server';
import { parseVariableQuery } from './datasource';
import { DS_PROXY, installBackend, installTemplateSrv, makeDataSource } from './test/helpers';
import type { HaproxyQuery } from './types';

const FROM = '2025-01-01T10:00:00.000Z';
const TO = '2025-01-01T16:00:00.000Z';

function request(
  targets: HaproxyQuery[],
  extra: Partial<DataQueryRequest<HaproxyQuery>> = {}
): DataQueryRequest<HaproxyQuery> {
  return {
    requestId: 'Q1',
    interval: '30s',
    intervalMs: 30000,
    maxDataPoints: 720,
    range: { from: dateTime(FROM), to: dateTime(TO), raw: { from: 'now-6h', to: 'now' } },
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: CoreApp.Dashboard,
    startTime: 0,
    ...extra,
  };
}

/** A status_counts frame as the backend sends it (DataFrameJSON). */
function countsFrame(refId: string) {
  return {
    schema: {
      name: 'Servers by status',
      refId,
      fields: [
        { name: 'time', type: 'time', config: {} },
        { name: 'UP', type: 'number', config: { displayName: 'UP', unit: 'none' } },
        { name: 'DOWN', type: 'number', config: { displayName: 'DOWN', unit: 'none' } },
      ],
    },
    data: {
      values: [
        [Date.parse(FROM), Date.parse(FROM) + 60000],
        [5, 4],
        [0, 1],
      ],
    },
  };
}

beforeEach(() => {
  installTemplateSrv([
    { name: 'instance', value: 'haproxy-1', options: ['haproxy-1', 'haproxy-2'] },
    { name: 'backend', value: ['be_web', 'be_api'], options: ['be_web', 'be_api', 'be_db'] },
    { name: 'everything', value: '$__all', options: ['a', 'b', 'c'] },
    { name: 'everythingCustom', value: ['$__all'], options: ['a', 'b'], allValue: '.*' },
  ]);
});

describe('DataSource.query', () => {
  it('posts the range, resolution and queries through the data source proxy and converts the frames', async () => {
    const requests = installBackend({
      frames: () => ({ A: { frames: [countsFrame('A')] }, B: { frames: [] } }),
    });
    const ds = makeDataSource();
    const response = await lastValueFrom(
      ds.query(
        request([
          { refId: 'A', type: 'status_counts', scope: { instance: 'haproxy-1', backend: 'be_web' } },
          { refId: 'B', type: 'sessions', scope: {}, aggregate: 'max' },
          { refId: 'C', type: 'weight', scope: {}, hide: true },
        ])
      )
    );

    expect(requests).toHaveLength(1);
    expect(requests[0].method).toBe('POST');
    expect(requests[0].path).toBe('/api/datasources/proxy/uid/haproxy-control-ds/api/haproxy/query');
    expect(requests[0].body).toEqual({
      range: { from: FROM, to: TO },
      maxDataPoints: 720,
      intervalMs: 30000,
      queries: [
        { refId: 'A', type: 'status_counts', scope: { instance: 'haproxy-1', backend: 'be_web' } },
        { refId: 'B', type: 'sessions', scope: {}, aggregate: 'max' },
      ],
    });

    expect(response.data).toHaveLength(1);
    const frame = response.data[0];
    expect(frame.refId).toBe('A');
    expect(frame.name).toBe('Servers by status');
    expect(frame.length).toBe(2);
    expect(frame.fields.map((f: { name: string }) => f.name)).toEqual(['time', 'UP', 'DOWN']);
    expect(frame.fields[0].type).toBe(FieldType.time);
    expect(frame.fields[1].values).toEqual([5, 4]);
    expect(frame.fields[2].config.displayName).toBe('DOWN');
  });

  it('keeps the frames of every query in the order of the queries and fills a missing refId', async () => {
    const noRefId = { ...countsFrame('x'), schema: { ...countsFrame('x').schema, refId: undefined } };
    installBackend({
      frames: () => ({ B: { frames: [countsFrame('B')] }, A: { frames: [noRefId, countsFrame('A')] } }),
    });
    const response = await lastValueFrom(
      makeDataSource().query(
        request([
          { refId: 'A', type: 'status_counts', scope: {} },
          { refId: 'B', type: 'status_counts', scope: {} },
        ])
      )
    );
    expect(response.data.map((f) => f.refId)).toEqual(['A', 'A', 'B']);
  });

  it('sends aggregate only for sessions and uses a default maxDataPoints', async () => {
    const requests = installBackend();
    await lastValueFrom(
      makeDataSource().query(
        request([{ refId: 'A', type: 'weight', scope: {}, aggregate: 'sum' }], {
          maxDataPoints: undefined,
          intervalMs: 0,
        })
      )
    );
    expect(requests[0].body.queries).toEqual([{ refId: 'A', type: 'weight', scope: {} }]);
    expect(requests[0].body.maxDataPoints).toBe(1000);
    expect(requests[0].body).not.toHaveProperty('intervalMs');
  });

  it('never asks for more points than the backend accepts', async () => {
    const requests = installBackend();
    await lastValueFrom(
      makeDataSource().query(request([{ refId: 'A', type: 'weight', scope: {} }], { maxDataPoints: 250_000.4 }))
    );
    expect(requests[0].body.maxDataPoints).toBe(50_000);
  });

  it('shares the points of a request among its queries', async () => {
    const requests = installBackend();
    const targets = ['A', 'B', 'C'].map((refId) => ({ refId, type: 'weight' as const, scope: {} }));
    await lastValueFrom(makeDataSource().query(request(targets, { maxDataPoints: 20_000 })));
    expect(requests[0].body.maxDataPoints).toBe(16_666);
    await lastValueFrom(makeDataSource().query(request(targets.slice(0, 2), { maxDataPoints: 20_000 })));
    expect(requests[1].body.maxDataPoints).toBe(20_000);
  });

  it('runs a query saved without a type as the status counts its editor shows', async () => {
    const requests = installBackend();
    const saved = { refId: 'A', scope: { instance: 'haproxy-1' } } as unknown as HaproxyQuery;
    await lastValueFrom(makeDataSource().query(request([saved])));
    expect(requests[0].body.queries).toEqual([{ refId: 'A', type: 'status_counts', scope: { instance: 'haproxy-1' } }]);
  });

  it('makes no request when every query is hidden', async () => {
    const requests = installBackend();
    const response = await lastValueFrom(
      makeDataSource().query(request([{ refId: 'A', type: 'weight', scope: {}, hide: true }]))
    );
    expect(response.data).toEqual([]);
    expect(requests).toHaveLength(0);
  });

  describe('template variables', () => {
    async function scopeSent(scope: HaproxyQuery['scope'], scopedVars: ScopedVars = {}) {
      const requests = installBackend();
      await lastValueFrom(
        makeDataSource().query(request([{ refId: 'A', type: 'status_timeline', scope }], { scopedVars }))
      );
      return requests[0].body.queries[0].scope;
    }

    it('replaces a single value', async () => {
      expect(await scopeSent({ instance: '$instance' })).toEqual({ instance: 'haproxy-1' });
      expect(await scopeSent({ instance: '${instance}' })).toEqual({ instance: 'haproxy-1' });
      expect(await scopeSent({ instance: '[[instance]]' })).toEqual({ instance: 'haproxy-1' });
    });

    it('sends a multi-value selection as a glob alternation the backend matches', async () => {
      expect(await scopeSent({ backend: '$backend' })).toEqual({ backend: '{be_web,be_api}' });
      expect(await scopeSent({ backend: 'prod-$backend' })).toEqual({ backend: 'prod-{be_web,be_api}' });
    });

    it('escapes glob syntax inside the values of a multi-value selection: each still selects its own name', async () => {
      const apps = { app: { text: 'Shop, EU + Other', value: ['Shop, EU', 'web{1}', 'a*b', 'back\\slash'] } };
      // Not `{Shop, EU,web{1},a*b,...}`: the backend would split "Shop, EU" and read the braces and the star.
      expect(await scopeSent({ application: '$app' }, apps)).toEqual({
        application: '{Shop\\, EU,web\\{1\\},a\\*b,back\\\\slash}',
      });
      // One value is sent as it is (the backend matches it as a name too).
      expect(await scopeSent({ application: '$app' }, { app: { text: 'Shop, EU', value: 'Shop, EU' } })).toEqual({
        application: 'Shop, EU',
      });
    });

    it('leaves out a key whose variable is All (no filter), with or without a custom allValue', async () => {
      expect(await scopeSent({ instance: '$instance', backend: '$everything' })).toEqual({ instance: 'haproxy-1' });
      expect(await scopeSent({ backend: '${everythingCustom}' })).toEqual({});
      expect(await scopeSent({ server: 'web-$everything' })).toEqual({ server: 'web-*' });
    });

    it('uses the scoped value of a repeated panel', async () => {
      expect(await scopeSent({ backend: '$backend' }, { backend: { text: 'be_db', value: 'be_db' } })).toEqual({
        backend: 'be_db',
      });
    });

    it('keeps names and globs without variables, and drops empty keys', async () => {
      expect(await scopeSent({ instance: ' haproxy-* ', backend: '', server: '*' })).toEqual({ instance: 'haproxy-*' });
    });

    it('passes on an id or a list a query written by hand holds, as the backend takes them', async () => {
      const scope = { instance: 3, backend: ['be_db', '$backend', 7] } as unknown as HaproxyQuery['scope'];
      expect(await scopeSent(scope)).toEqual({ instance: 3, backend: ['be_db', '{be_web,be_api}', 7] });
    });

    it('applyTemplateVariables and interpolateVariablesInQueries interpolate the scope', () => {
      const ds = makeDataSource();
      const query: HaproxyQuery = { refId: 'A', type: 'weight', scope: { instance: '$instance', backend: '$backend' } };
      expect(ds.applyTemplateVariables(query, {}).scope).toEqual({ instance: 'haproxy-1', backend: '{be_web,be_api}' });
      expect(ds.interpolateVariablesInQueries([query], {})[0].scope.instance).toBe('haproxy-1');
    });
  });

  describe('errors', () => {
    it('shows the backend message of a bad request', async () => {
      server.use(
        http.post(`${DS_PROXY}/api/haproxy/query`, () =>
          HttpResponse.json(
            { error: { code: 'bad_request', message: 'range.from must be before range.to' } },
            { status: 400 }
          )
        )
      );
      await expect(
        lastValueFrom(makeDataSource().query(request([{ refId: 'A', type: 'weight', scope: {} }])))
      ).rejects.toMatchObject({ message: 'range.from must be before range.to', status: 400, code: 'bad_request' });
    });

    it('says the backend is unreachable when the proxy gets no answer', async () => {
      server.use(
        http.post(`${DS_PROXY}/api/haproxy/query`, () => HttpResponse.json({ message: 'Bad Gateway' }, { status: 502 }))
      );
      await expect(
        lastValueFrom(makeDataSource().query(request([{ refId: 'A', type: 'weight', scope: {} }])))
      ).rejects.toMatchObject({ kind: 'unreachable', message: expect.stringMatching(/unreachable/) });
    });

    it('says the token was rejected on 401', async () => {
      server.use(
        http.post(`${DS_PROXY}/api/haproxy/query`, () =>
          HttpResponse.json({ error: { code: 'unauthorized', message: 'invalid token' } }, { status: 401 })
        )
      );
      await expect(
        lastValueFrom(makeDataSource().query(request([{ refId: 'A', type: 'weight', scope: {} }])))
      ).rejects.toMatchObject({ kind: 'unauthorized', message: expect.stringMatching(/token \(401\)/) });
    });
  });
});

describe('DataSource.metricFindQuery', () => {
  it('lists instances', async () => {
    const requests = installBackend({
      lookup: () => ({
        values: [
          { text: 'haproxy-1', value: 'haproxy-1' },
          { text: 'haproxy-2', value: 'haproxy-2' },
        ],
      }),
    });
    const values = await makeDataSource().metricFindQuery({ kind: 'instances' });
    expect(values).toEqual([
      { text: 'haproxy-1', value: 'haproxy-1' },
      { text: 'haproxy-2', value: 'haproxy-2' },
    ]);
    expect(requests[0]).toMatchObject({
      method: 'GET',
      path: '/api/datasources/proxy/uid/haproxy-control-ds/api/haproxy/lookup/instances',
      params: { limit: '10000' },
    });
  });

  it('lists every name of a large fleet, not the first 1000 the lookup gives by default', async () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `web-${String(i).padStart(5, '0')}`);
    const requests = installBackend({
      // The backend's own default and cap (GET /api/haproxy/lookup: limit 1000, at most 10000).
      lookup: (_kind, params) => ({
        values: names.slice(0, Math.min(Number(params.limit ?? 1000), 10_000)).map((n) => ({ text: n, value: n })),
      }),
    });
    const values = await makeDataSource().metricFindQuery({ kind: 'servers', backend: 'be_web' });
    expect(values).toHaveLength(10_000);
    expect(values.at(-1)).toEqual({ text: 'web-09999', value: 'web-09999' });
    expect(requests[0].params).toEqual({ backend: 'be_web', limit: '10000' });
  });

  it('narrows backends by the instance variable: one value, several values (escaped glob), All (no filter)', async () => {
    const requests = installBackend();
    const ds = makeDataSource();
    await ds.metricFindQuery({ kind: 'backends', instance: '$instance' });
    installTemplateSrv([{ name: 'instance', value: ['haproxy-1', 'Shop, EU'] }]);
    await ds.metricFindQuery({ kind: 'backends', instance: '$instance' });
    installTemplateSrv([{ name: 'instance', value: '$__all', options: ['haproxy-1', 'haproxy-2'] }]);
    await ds.metricFindQuery({ kind: 'backends', instance: '$instance' });
    expect(requests.map((r) => r.params)).toEqual([
      { instance: 'haproxy-1', limit: '10000' },
      { instance: '{haproxy-1,Shop\\, EU}', limit: '10000' },
      { limit: '10000' },
    ]);
    expect(requests.every((r) => r.path.endsWith('/api/haproxy/lookup/backends'))).toBe(true);
  });

  it('accepts a string query (kind?key=value) and the search text Grafana passes', async () => {
    const requests = installBackend();
    const values = await makeDataSource().metricFindQuery('servers?instance=$instance&backend=be_web', {
      searchFilter: 'web',
    });
    expect(requests[0].path).toMatch(/\/lookup\/servers$/);
    expect(requests[0].params).toEqual({ instance: 'haproxy-1', backend: 'be_web', q: 'web', limit: '10000' });
    expect(values.map((v) => v.text)).toEqual(['servers-1', 'servers-2']);
  });

  it('accepts the other answer shapes: a bare list, strings, {<kind>: [...]}, {name}', async () => {
    const ds = makeDataSource();
    installBackend({ lookup: () => ['a', 'b'] });
    expect(await ds.metricFindQuery('applications')).toEqual([
      { text: 'a', value: 'a' },
      { text: 'b', value: 'b' },
    ]);
    installBackend({ lookup: () => ({ servers: [{ name: 'web1' }, { text: 'Web 2', value: 'web2' }] }) });
    expect(await ds.metricFindQuery('servers')).toEqual([
      { text: 'web1', value: 'web1' },
      { text: 'Web 2', value: 'web2' },
    ]);
  });

  it('rejects an unknown variable query with a hint', async () => {
    await expect(makeDataSource().metricFindQuery('hosts')).rejects.toThrow(
      /instances, backends, servers or applications/
    );
  });

  it('parses the query forms', () => {
    expect(parseVariableQuery({ kind: 'backends', instance: '$instance' })).toEqual({
      kind: 'backends',
      instance: '$instance',
    });
    expect(parseVariableQuery({ query: 'instances' })).toEqual({ kind: 'instances' });
    expect(parseVariableQuery('{"kind":"servers","backend":"be_web"}')).toEqual({ kind: 'servers', backend: 'be_web' });
    expect(parseVariableQuery(' backends?instance=a&foo=bar ')).toEqual({ kind: 'backends', instance: 'a' });
    // A `?` in a value is the value's, not a cut.
    expect(parseVariableQuery('servers?q=up?&application=$app')).toEqual({
      kind: 'servers',
      q: 'up?',
      application: '$app',
    });
    expect(parseVariableQuery('nope')).toBeUndefined();
    expect(parseVariableQuery(undefined)).toBeUndefined();
  });
});

describe('annotations (commands)', () => {
  const commandsFrame = {
    schema: {
      name: 'Commands',
      refId: 'Anno',
      fields: [
        { name: 'time', type: 'time', config: {} },
        { name: 'timeEnd', type: 'time', config: {} },
        { name: 'title', type: 'string', config: {} },
        { name: 'text', type: 'string', config: {} },
        { name: 'tags', type: 'string', config: {} },
      ],
    },
    data: {
      values: [
        [Date.parse(FROM)],
        [Date.parse(FROM) + 12],
        ['drain web1'],
        ['alice ran drain on haproxy-1/be_web/web1 (ui): ok, UP -> DRAIN'],
        ['haproxy,drain,ok,ui'],
      ],
    },
  };

  it('always queries the commands type and defaults to the whole fleet', () => {
    const annotations = makeDataSource().annotations!;
    expect(annotations.getDefaultQuery!()).toEqual({ type: 'commands', scope: {} });
    const prepared = annotations.prepareAnnotation!({
      name: 'Commands',
      enable: true,
      iconColor: 'orange',
      target: { refId: 'Anno', type: 'weight', scope: { backend: '$backend' } },
    } as AnnotationQuery<HaproxyQuery>);
    expect(prepared.target).toEqual({ refId: 'Anno', type: 'commands', scope: { backend: '$backend' } });
    const legacy = annotations.prepareAnnotation!({
      name: 'Old',
      enable: true,
      iconColor: 'red',
    } as AnnotationQuery<HaproxyQuery>);
    expect(legacy.target).toMatchObject({ type: 'commands', scope: {} });
    expect(annotations.prepareQuery!({ ...prepared, target: { ...prepared.target!, refId: '' } })).toMatchObject({
      refId: 'Anno',
      type: 'commands',
    });
    expect(annotations.QueryEditor).toBeDefined();
  });

  it('runs as a query and returns the fields Grafana maps to annotations (time, timeEnd, title, text, tags)', async () => {
    const requests = installBackend({ frames: () => ({ Anno: { frames: [commandsFrame] } }) });
    const ds = makeDataSource();
    const anno = ds.annotations!.prepareAnnotation!({
      name: 'Commands',
      enable: true,
      iconColor: 'orange',
      target: { refId: 'Anno', type: 'commands', scope: { instance: '$instance', backend: '$backend' } },
    } as AnnotationQuery<HaproxyQuery>);
    const query = ds.annotations!.prepareQuery!(anno)!;
    const response = await lastValueFrom(ds.query(request([query], { maxDataPoints: undefined })));
    expect(requests[0].body.queries).toEqual([
      { refId: 'Anno', type: 'commands', scope: { instance: 'haproxy-1', backend: '{be_web,be_api}' } },
    ]);
    const frame = response.data[0];
    expect(frame.fields.map((f: { name: string }) => f.name)).toEqual(['time', 'timeEnd', 'title', 'text', 'tags']);
    expect(frame.fields[2].values[0]).toBe('drain web1');
  });

  it('gives Grafana events whose title and text show as written: HTML of a server name, an actor or an agent error', async () => {
    const error = '502 from agent: <html><body><h1>Bad Gateway</h1><img src=x></body></html>\nretry & "later"';
    const hostile = {
      ...commandsFrame,
      data: {
        values: [
          [Date.parse(FROM)],
          [Date.parse(FROM) + 12],
          ['drain <img src=x onerror=alert(1)>&web1 failed'],
          [`<b>mallory</b> ran drain on haproxy-1/be_web/web1 (api): failed: ${error}`],
          ['haproxy,drain,failed,api'],
        ],
      },
    };
    installBackend({ frames: () => ({ Anno: { frames: [hostile] } }) });
    const ds = makeDataSource();
    const anno = ds.annotations!.prepareAnnotation!({
      name: 'Commands',
      enable: true,
      iconColor: 'orange',
    } as AnnotationQuery<HaproxyQuery>);
    const response = await lastValueFrom(ds.query(request([ds.annotations!.prepareQuery!(anno)!])));
    const events = await lastValueFrom(ds.annotations!.processEvents!(anno, response.data));
    // Grafana sanitizes and renders this text as HTML: escaped, it reads as the characters themselves.
    expect(events).toEqual([
      {
        time: Date.parse(FROM),
        timeEnd: Date.parse(FROM) + 12,
        title: 'drain &lt;img src=x onerror=alert(1)&gt;&amp;web1 failed',
        text:
          '&lt;b&gt;mallory&lt;/b&gt; ran drain on haproxy-1/be_web/web1 (api): failed: 502 from agent: ' +
          '&lt;html&gt;&lt;body&gt;&lt;h1&gt;Bad Gateway&lt;/h1&gt;&lt;img src=x&gt;&lt;/body&gt;&lt;/html&gt;' +
          '<br>retry &amp; &quot;later&quot;',
        tags: ['haproxy', 'drain', 'failed', 'api'],
      },
    ]);
  });
});

describe('DataSource.testDatasource (Save & test)', () => {
  it('reports the token and its role when the backend answers', async () => {
    const requests = installBackend();
    const result = await makeDataSource().testDatasource();
    expect(result).toEqual({
      status: 'success',
      message: 'Connected to HAProxy Control at http://backend:8080 as token "grafana-trends" (role viewer).',
    });
    expect(requests.map((r) => r.path)).toEqual([
      '/api/datasources/proxy/uid/haproxy-control-ds/api/me',
      '/api/datasources/proxy/uid/haproxy-control-ds/api/haproxy/lookup/instances',
    ]);
  });

  it('warns when the token can do more than read (everyone who queries the data source sends it)', async () => {
    installBackend({ me: () => HttpResponse.json({ token_name: 'grafana', role: 'operator', actor: 'grafana' }) });
    const result = await makeDataSource().testDatasource();
    expect(result.status).toBe('warning');
    expect(result.message).toContain(
      'as token "grafana" (role operator), but the data source only reads: use a viewer token'
    );
  });

  it('asks for the backend URL before calling anything', async () => {
    const requests = installBackend();
    for (const backendUrl of [undefined, '', 'backend:8080']) {
      const result = await makeDataSource({ backendUrl }).testDatasource();
      expect(result.status).toBe('error');
      expect(result.message).toMatch(/Set the backend URL/);
    }
    expect(requests).toHaveLength(0);
  });

  it.each([
    [
      'the proxy cannot connect (502)',
      () => HttpResponse.json({ message: 'Bad Gateway' }, { status: 502 }),
      /Cannot reach the HAProxy Control backend at http:\/\/backend:8080 \(status 502\)/,
    ],
    [
      'the request gets no answer',
      () => HttpResponse.error(),
      /Cannot reach the HAProxy Control backend at http:\/\/backend:8080 \(no answer\)/,
    ],
    [
      'the token is rejected (401)',
      () => HttpResponse.json({ error: { code: 'unauthorized', message: 'invalid token' } }, { status: 401 }),
      /rejected the API token \(401\)/,
    ],
    [
      'the backend refuses the token (403)',
      () => HttpResponse.json({ error: { code: 'forbidden', message: 'token disabled' } }, { status: 403 }),
      /The backend refused the API token \(403\): token disabled/,
    ],
    [
      'Grafana refuses the user (403 without the backend body)',
      () => HttpResponse.json({ message: 'Permission denied' }, { status: 403 }),
      /Grafana refused the request \(403\): Permission denied/,
    ],
    [
      'the proxy route is missing (404)',
      () => HttpResponse.json({ message: 'Not found' }, { status: 404 }),
      /proxy route was not found \(404\)/,
    ],
    [
      'the backend fails (500)',
      () => HttpResponse.json({ error: { code: 'internal', message: 'database down' } }, { status: 500 }),
      /Unexpected answer from the backend \(500\): database down/,
    ],
  ])('explains what to fix when %s', async (_case, answer, message) => {
    installBackend({ me: answer });
    const result = await makeDataSource().testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toMatch(message);
  });

  it('says the URL is not HAProxy Control when something else answers 200 (Grafana itself, a proxy page)', async () => {
    installBackend({ me: () => HttpResponse.text('<!doctype html><title>Grafana</title>') });
    const result = await makeDataSource().testDatasource();
    expect(result).toEqual({
      status: 'error',
      message:
        'http://backend:8080 answers, but not as HAProxy Control (no token and role from /api/me): check the backend URL.',
    });
  });

  it('says the backend is too old when it has no lookup endpoint', async () => {
    installBackend();
    server.use(
      http.get(`${DS_PROXY}/api/haproxy/lookup/:kind`, () =>
        HttpResponse.json({ message: 'Not found' }, { status: 404 })
      )
    );
    const result = await makeDataSource().testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toMatch(/no history API \(404 on \/api\/haproxy\/lookup\)/);
  });
});

describe('DataSource defaults', () => {
  it('starts new queries as status counts over the whole fleet and filters unknown types', () => {
    const ds = makeDataSource();
    expect(ds.getDefaultQuery(CoreApp.Dashboard)).toEqual({ type: 'status_counts', scope: {} });
    expect(ds.filterQuery({ refId: 'A', type: 'weight', scope: {} })).toBe(true);
    expect(ds.filterQuery({ refId: 'A', type: 'nope' as HaproxyQuery['type'], scope: {} })).toBe(false);
  });
});
