import fs from 'node:fs';
import path from 'node:path';
import type { CheckedService } from '../support/openapi';
import { Fleet, fleetService, insertThreeHours, insertThreeHoursHistory, T0 } from '../history/fixtures';

/**
 * The provisioned "HAProxy fleet trends" dashboard against the real backend: every panel's query, its command
 * annotations and its variables' lookups, with the variables as the data source sends them (All: left out; one
 * value: the name; several: `{a,b}`).
 */
const root = path.resolve(__dirname, '../../..');
const dashboard = JSON.parse(
  fs.readFileSync(path.join(root, 'provisioning/dashboards/json/haproxy-fleet-trends.json'), 'utf8')
);
const targets: Array<{ refId: string; type: string; scope: Record<string, string>; aggregate?: string }> = [
  ...dashboard.panels.flatMap((p: { targets: unknown[] }) => p.targets),
  ...dashboard.annotations.list.filter((a: { target?: unknown }) => a.target).map((a: { target: unknown }) => a.target),
];

const variables: Array<{ name: string; query: { kind: string } & Record<string, string> }> = dashboard.templating.list;

let t: CheckedService;
let fleet: Fleet;

beforeAll(async () => {
  ({ t, fleet } = await fleetService());
  await insertThreeHours(t.service.ds, fleet);
  await insertThreeHoursHistory(t.service.ds, fleet);
}, 120_000);
afterAll(() => t?.stop());

/** The scope as the data source sends it (interpolateScope): keys whose variable is All are left out. */
function sent(scope: Record<string, string>, vars: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(scope)) {
    const v = value.replace(/\$(\w+)/g, (_, name) => vars[name] ?? '*');
    if (v !== '*' && v !== '') {
      out[key] = v;
    }
  }
  return out;
}

const selections: Array<[string, Record<string, string | undefined>]> = [
  ['All', {}],
  ['one value each', { instance: 'edge-2', backend: 'shop' }],
  ['several values', { instance: '{edge-1,edge-2}', backend: '{shop,api}' }],
];
/** The backends the backend variable offers, narrowed by the instances selected (edge-1: shop, api; edge-2: shop). */
const backendsOffered: Record<string, string[]> = {
  All: ['api', 'shop'],
  'one value each': ['shop'],
  'several values': ['api', 'shop'],
};

describe.each(selections)('with %s selected', (label, vars) => {
  test.each(targets.map((q) => [q.type, q] as const))('the %s query answers with frames', async (_type, q) => {
    const res = await t.call('POST', '/api/haproxy/query', {
      token: t.tokens.viewer,
      body: {
        range: { from: new Date(T0 - 3_600_000).toISOString(), to: new Date(T0 + 4 * 3_600_000).toISOString() },
        maxDataPoints: 1000,
        intervalMs: 60_000,
        queries: [
          {
            refId: q.refId,
            type: q.type,
            scope: sent(q.scope, vars),
            ...(q.aggregate ? { aggregate: q.aggregate } : {}),
          },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.results[q.refId].frames.length).toBeGreaterThan(0);
  });

  test.each(variables.map((v) => [v.name, v.query] as const))('the %s variable lists names', async (name, query) => {
    const { kind, ...scope } = query;
    const params = new URLSearchParams(sent(scope, vars));
    const res = await t.call('GET', `/api/haproxy/lookup/${kind}?${params}`, { token: t.tokens.viewer });
    expect(res.status).toBe(200);
    const texts = (res.body.values as Array<{ text: string }>).map((v) => v.text).sort();
    expect(texts).toEqual(name === 'instance' ? ['edge-1', 'edge-2'] : backendsOffered[label]);
  });
});
