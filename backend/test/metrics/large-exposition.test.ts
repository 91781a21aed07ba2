import { FakeFagent } from '../support/fake-fagent';
import { registerInstance, startTestService, TestService } from '../support/service';
import { parseExposition } from './exposition';

/**
 * A scrape longer than V8's longest string (2^29 characters, about 537 MB of this text). 200,000 servers with
 * names of ordinary length reach it (600 MB: 13 series a server); here 10,500 servers whose backend and server
 * names are 2,000 characters long (what the agent's answers allow), written straight into PostgreSQL. The
 * text was joined into one string and the scrape failed with a 500 ("Invalid string length").
 */
const SERVERS_PER_BACKEND = 3_500;
const BACKENDS = 3;
const LONG = 1_990; // + the number: 1,991-1,994 characters

let t: TestService;
let agent: FakeFagent;

beforeAll(async () => {
  agent = await new FakeFagent().start();
  t = await startTestService({});
  const { instanceId } = await registerInstance(t, agent.url, 'big', { hostName: 'lb-big' });
  await t.service.db.query(
    `INSERT INTO haproxy_backends (instance_id, backend_name) SELECT $1, repeat('b', $2) || g FROM generate_series(1, $3) g`,
    [instanceId, LONG, BACKENDS]
  );
  await t.service.db.query(
    `INSERT INTO haproxy_servers (backend_id, server_name, status, admin_state, operational_state, weight)
     SELECT b.id, repeat('s', $1) || g, 'UP', 'ready', 'up', 7
       FROM haproxy_backends b, generate_series(1, $2) g`,
    [LONG, SERVERS_PER_BACKEND]
  );
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await agent?.stop();
});

test('a scrape longer than the longest string is served whole, in pieces, each family declared once', async () => {
  const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.tokens.viewer}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);

  // Read as a stream, line by line, without holding the text.
  const decoder = new TextDecoder();
  let chars = 0;
  let rest = '';
  let weights = 0;
  let sample: string | undefined;
  const declared = new Map<string, number>();
  const lines = (text: string) => {
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) /.exec(line);
      if (type) {
        declared.set(type[1], (declared.get(type[1]) ?? 0) + 1);
      } else if (line.startsWith('haproxy_control_server_weight{')) {
        weights++;
        sample ??= line;
      }
    }
  };
  for await (const chunk of res.body!) {
    const text = rest + decoder.decode(chunk, { stream: true });
    chars += text.length - rest.length;
    const end = text.lastIndexOf('\n');
    // A chunk may end inside a line (or hold no line end at all): only whole lines are read.
    if (end >= 0) {
      lines(text.slice(0, end));
    }
    rest = text.slice(end + 1);
  }
  expect(rest).toBe(''); // ends with a newline
  expect(chars).toBeGreaterThan(2 ** 29);
  expect(weights).toBe(BACKENDS * SERVERS_PER_BACKEND);
  expect([...declared.values()].filter((n) => n !== 1)).toEqual([]);
  expect(declared.get('haproxy_control_server_status')).toBe(1);
  const [s] = parseExposition(sample!);
  expect(s.labels).toMatchObject({ haproxy_instance: 'big', host: 'lb-big', application: '' });
  expect(s.labels.server).toMatch(new RegExp(`^s{${LONG}}\\d+$`));
  expect(s.value).toBe(7);
}, 300_000);
