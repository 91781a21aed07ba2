import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fleet, syncNow, useHarness } from '../api/helpers';

/**
 * The README's curl examples, run in the order written against the real service and a fake agent, as a newcomer
 * follows them: bash expands each line (variables, quoting), the request goes out as curl would send it, and
 * every answer is checked against openapi.yaml. Only ids, tokens and the agent's address are substituted.
 */
const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');

/** The curl commands of the bash block that contains `marker`, continuation lines joined. */
function curlsOf(marker: string): string[] {
  const block = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes(marker));
  if (!block) {
    throw new Error(`README: no bash block with ${marker}`);
  }
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.startsWith('curl '));
}

interface CurlRequest {
  method: string;
  path: string;
  token?: string;
  body?: unknown;
}

/** One README line as curl would send it: bash expands it into curl's argv, which is read here. */
function parseCurl(line: string, env: Record<string, string>, base: string): CurlRequest {
  const argv = execFileSync('bash', ['-c', `curl() { printf '%s\\0' "$@"; }\n${line}`], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    // A socket on stdin (node's pipes) makes bash read ~/.bashrc as if run by rshd.
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .split('\0')
    .slice(0, -1);
  let method: string | undefined;
  let url: string | undefined;
  let data: string | undefined;
  let asQuery = false;
  const query: string[] = [];
  let token: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-s') {
      continue;
    } else if (a === '-X') {
      method = argv[++i];
    } else if (a === '-H') {
      const bearer = /^Authorization: Bearer (.*)$/.exec(argv[++i]);
      token = bearer ? bearer[1] : token;
    } else if (a === '-d') {
      data = argv[++i];
    } else if (a === '-G') {
      asQuery = true;
    } else if (a === '--data-urlencode') {
      const [k, ...v] = argv[++i].split('=');
      query.push(`${k}=${encodeURIComponent(v.join('='))}`);
    } else if (a.startsWith('-')) {
      throw new Error(`README curl: option ${a} not understood here`);
    } else {
      url = a;
    }
  }
  if (!url?.startsWith(base)) {
    throw new Error(`README curl: ${url} is not the service`);
  }
  const sep = url.includes('?') ? '&' : '?';
  return {
    method: method ?? (data !== undefined && !asQuery ? 'POST' : 'GET'),
    path: url.slice(base.length) + (query.length ? sep + query.join('&') : ''),
    token,
    body: data === undefined ? undefined : JSON.parse(data),
  };
}

const h = useHarness();

async function run(line: string, env: Record<string, string>) {
  const req = parseCurl(line, { API: h.t.url, ...env }, h.t.url);
  const res = await h.t.call(req.method, req.path, { token: req.token ?? null, body: req.body });
  return { req, res };
}

test('"First steps" with curl: each request works in the order written', async () => {
  h.agent.setBackend('main', 'web_1', [{ name: 's1', address: '10.0.0.21:80', status: 'UP' }]);
  const env = { TOKEN: h.t.tokens.admin };
  const lines = curlsOf('BOOTSTRAP_ADMIN_TOKEN=$TOKEN npm start &').map((l) =>
    l.replace('http://10.0.0.10:9102', h.agent.url).replace('<agent token>', 'agent-token')
  );
  expect(lines).toHaveLength(7);
  const answers: Array<{ req: CurlRequest; body: any }> = [];
  for (const line of lines) {
    const { req, res } = await run(line, env);
    expect(res.status < 300 ? 'ok' : `${line}: ${res.status} ${JSON.stringify(res.body)}`).toBe('ok');
    answers.push({ req, body: res.body });
  }
  const byPath = (p: string) => answers.find((a) => a.req.path.startsWith(p))!.body;
  // The host's test reads the instance registered before it.
  expect(byPath('/api/hosts/1/test')).toMatchObject({ ok: true, instances: [{ name: 'main', backends: 1 }] });
  expect(byPath('/api/haproxy/instances/1/sync')).toMatchObject({ status: 'ok', backends: 1, servers: 1 });
  expect(byPath('/api/haproxy/summary')).toMatchObject({ backends: 1, servers: { total: 1 } });
  expect(byPath('/api/haproxy/instances/1/scope-preview')).toMatchObject({
    scope: ['web_*'],
    backends: [{ name: 'web_1', in_scope: true }],
  });
});

test("an application, a drain, the orchestrator's bulk drain and ready, a budget: as written", async () => {
  const servers = ['a', 'b', 'c', 'd'].map((n) => ({ name: `shop-${n}`, address: '10.0.1.5:8080', status: 'UP' }));
  const f = await fleet(h, 'edge', { shop: servers }, { hostName: 'lb-edge' });
  const appHost = await h.t.call('POST', '/api/hosts', {
    body: { name: 'app1', address: '10.0.1.5', fagent_url: h.agent.url },
  });
  const [createApp, drain] = curlsOf('"name":"shop","host_id":2').map((l) =>
    l
      .replace('"host_id":2', `"host_id":${appHost.body.id}`)
      .replace('/servers/42/', `/servers/${f.servers['shop/shop-a'].id}/`)
  );
  const app = await run(createApp, { TOKEN: h.t.tokens.admin });
  expect(app.res.status).toBe(201);
  const one = await run(drain, { TOKEN: h.t.tokens.operator });
  expect(one.res.status).toBe(200);
  expect(one.res.body.server).toMatchObject({ status: 'DRAIN', desired: { reason: 'CHG-1234 disk swap' } });
  expect(one.res.body.server.desired.until).toBeTruthy();
  await syncNow(h, f.instanceId); // the auto-mapping of the application's servers

  const env = { DEPLOY_TOKEN: h.t.tokens.operator };
  const [bulkDrain, bulkReady] = curlsOf('wait_drained_s').map((l) =>
    l.replace('"application_id":3', `"application_id":${app.res.body.id}`)
  );
  const drained = await run(bulkDrain, env);
  expect(drained.res.status).toBe(200);
  // HAProxy reports no sessions on them at the first look (the test service's budget lets every server out).
  expect(drained.res.body).toMatchObject({
    total: 4,
    failed: 0,
    drain_wait: { drained: true, remaining: [], gone: [] },
  });
  const ready = await run(bulkReady, env);
  expect(ready.res.body).toMatchObject({ total: 4, failed: 0 });
  const actions = await h.t.call('GET', `/api/haproxy/actions?operation_id=${ready.res.body.operation_id}`);
  expect(actions.body.actions).toHaveLength(4);

  const [putBudget] = curlsOf('"min_available":"50%"').map((l) =>
    l.replace('/backends/12/', `/backends/${f.backendIds.shop}/`)
  );
  const budget = await run(putBudget, { ADMIN: h.t.tokens.admin });
  expect(budget.res.status).toBe(200);
  const shown = /# (\{"scope":"backend".*\})/.exec(readme)![1];
  expect(Object.keys(budget.res.body).sort()).toEqual(Object.keys(JSON.parse(shown)).sort());
  expect(budget.res.body).toMatchObject({ min_available: '50%', effective_min: 2, servers_counted: 4 });
});

test("a budget's refusal has the fields of the README's example", async () => {
  const f = await fleet(h, 'edge-1', { web: [{ name: 'web-03', status: 'UP' }] }, { hostName: 'lb-edge-1' });
  await h.t.call('PUT', `/api/haproxy/backends/${f.backendIds.web}/budget`, { body: { min_available: 1 } });
  const res = await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/web-03'].id}/command`, {
    token: h.t.tokens.operator,
    body: { command: 'drain' },
  });
  const block = /```json\n409 (\{[\s\S]*?\})\n```/.exec(readme)![1];
  const shown = JSON.parse(block);
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe(shown.error.code);
  expect(res.body.error.message).toBe('backend web of edge-1: 1 available, minimum 1; refused web-03');
  expect(Object.keys(res.body.error.details).sort()).toEqual(Object.keys(shown.error.details).sort());
});
