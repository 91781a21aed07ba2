import fc from 'fast-check';
import { apiOperations, bodyOf, hostileString, nearMissesOf, pathOf, queryOf } from '../support/openapi-arbitrary';
import { assertDocumented, templateOf } from '../support/openapi';
import { createApplication, fleet, Fleet, trendQuery, useHarness } from './helpers';

/**
 * Every documented /api operation, fuzzed from openapi.yaml with every kind of caller: no answer is a 5xx of
 * ours (agentFailure below), every answer is one the document describes. FUZZ_RUNS sets the runs per operation (default 40); a failure
 * prints its seed and path, for `fc.assert(..., { seed, path })`.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
// Agents are reached only on 127.0.0.1 (the fuzzer registers hosts too); a working agent, so a 5xx is ours.
const h = useHarness({ fagentAllowedNetworks: ['127.0.0.0/8', '::1/128'] });

let a: Fleet;
let appId: number;
beforeAll(async () => {
  const servers = [
    { name: 's1', status: 'UP' },
    { name: 's2', status: 'DRAIN' },
  ];
  a = await fleet(h, 'fuzz-a', { web: servers, api: servers });
  await fleet(h, 'fuzz-b', { web: servers });
  appId = await createApplication(h, 'fuzz-app');
});

/** A valid body per operation whose valid bodies the schema alone rarely gives; its near misses are fuzzed too. */
const validBodies = (): Record<string, unknown> => {
  const ids = Object.values(a.servers).map((s) => s.id);
  return {
    'POST /api/haproxy/query': {
      ...trendQuery(),
      queries: [
        { refId: 'A', type: 'sessions', scope: { instance: 'fuzz-*', backend: ['web', 'api'] }, aggregate: 'sum' },
        { refId: 'B', type: 'status_timeline', scope: { server: ids[0] } },
        { refId: 'C', type: 'commands', scope: {} },
      ],
    },
    'POST /api/haproxy/commands/bulk': { command: 'drain', server_ids: ids.slice(0, 2), concurrency: 2 },
    'PUT /api/haproxy/servers/{id}/mapping': { application_id: appId, kind: 'manual' },
    'POST /api/haproxy/servers/{id}/command': { command: 'ready', source: 'orchestrator' },
    'POST /api/haproxy/instances': { host_id: a.hostId, name: 'fuzz-new', backend_scope: ['web*', '{a,b}'] },
    'PATCH /api/haproxy/instances/{id}': { backend_scope: ['api'], is_active: true, socket_path: '/run/x.sock' },
    'POST /api/hosts': { name: 'fuzz-host', address: '127.0.0.1', fagent_url: h.agent.url, fagent_token: 't' },
    'PATCH /api/hosts/{id}': { fagent_url: h.agent.url, fagent_token: null, is_active: true },
    'POST /api/applications': { name: 'fuzz-new-app', host_id: a.hostId },
    'PATCH /api/applications/{id}': { name: 'fuzz-renamed', host_id: null },
  };
};

type Caller = 'none' | 'viewer' | 'operator' | 'admin' | 'grafana-viewer' | 'grafana-operator' | 'grafana-admin';
const CALLERS: Caller[] = [
  'none',
  'viewer',
  'operator',
  'admin',
  'grafana-viewer',
  'grafana-operator',
  'grafana-admin',
];
const tokenOf = (c: Caller) => {
  if (c === 'none') {
    return null;
  }
  const [kind, role] = c.startsWith('grafana-') ? ['grafana', c.slice(8)] : ['api', c];
  return (kind === 'grafana' ? h.t.grafanaTokens : h.t.tokens)[role as 'viewer' | 'operator' | 'admin'];
};

/** Agent URLs the fuzzer may register: the fake agent, or ones the API must refuse (never another address). */
const agentUrls = () =>
  fc.constantFrom(
    h.agent.url,
    `${h.agent.url}/`,
    'ftp://127.0.0.1/',
    'http://user:pw@127.0.0.1:1',
    'http://127.0.0.1:1/?token=x',
    'javascript:alert(1)',
    'not a url',
    ''
  );

/**
 * The one kind of 5xx that is not ours: the agent's own refusal or failure, passed on as the document says
 * (502 fagent_error, 503 breaker_open), e.g. a command to an instance the fuzzer renamed, which the agent
 * does not know. Anything else at 500 or above fails the run.
 */
const agentFailure = (res: { status: number; body: any }) =>
  (res.status === 502 && res.body?.error?.code === 'fagent_error' && /^FAgent /.test(res.body.error.message)) ||
  (res.status === 503 && res.body?.error?.code === 'breaker_open');

/** Knobs whose legitimate maximum is slow (a drain wait of 900 s): bounded so the run stays short. */
const bounded = (body: string | undefined) => body?.replace(/"wait_drained_s":\s*[0-9.e+]+/, '"wait_drained_s":0.2');

// Deletions last, so the other operations mostly meet the fleet.
const operations = apiOperations().sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

test.each(operations.map((o) => [`${o.method} ${o.template}`, o] as const))('%s', async (name, op) => {
  const overrides = { AgentUrl: agentUrls() };
  const valid = validBodies()[name];
  const body =
    valid === undefined
      ? bodyOf(op, overrides)
      : fc.oneof(
          bodyOf(op, overrides),
          nearMissesOf(valid, { fagent_url: agentUrls() }).map((v) => JSON.stringify(v) ?? '')
        );
  await fc.assert(
    fc.asyncProperty(
      pathOf(op, overrides),
      queryOf(op, overrides),
      body,
      fc.constantFrom(...CALLERS),
      fc.option(
        hostileString.map((s) => s.replace(/[^\x20-\x7e]/g, '')),
        { nil: undefined }
      ),
      async (path, query, body, caller, grafanaUser) => {
        const res = await h.t.rawCall(op.method, path + query, {
          token: tokenOf(caller),
          body: bounded(body),
          headers: grafanaUser === undefined ? {} : { 'X-Grafana-User': grafanaUser },
        });
        if (res.status >= 500 && !agentFailure(res)) {
          throw new Error(`${op.method} ${path}${query} as ${caller} -> ${res.status} ${JSON.stringify(res.body)}`);
        }
        // An empty or dot segment makes another path (fetch normalises it): then only the status is checked.
        if (templateOf(new URL(path, h.t.url).pathname) === op.template) {
          assertDocumented(op.method, path, res);
        }
      }
    ),
    { numRuns: RUNS, interruptAfterTimeLimit: 40_000 }
  );
});
