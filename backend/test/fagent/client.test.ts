import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { BreakerOpenError, FagentError } from '../../src/fagent/errors';
import { namedFault, on, useFakeAgent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

const agent = useFakeAgent().setBackend('main', 'web', [{ name: 'w1', status: 'UP' }]);

const target = (instanceId = 1, token?: string) => ({ instanceId, instanceName: 'main', baseUrl: agent.url, token });
const count = () => agent.requests.length;

describe('retries', () => {
  test('network errors and 5xx are retried with backoff, up to MAX_RETRIES', async () => {
    const client = testClient({ maxRetries: 2 });
    agent.inject(on.backends(), { kind: 'status', status: 503 }, 2);
    await expect(client.getBackends(target())).resolves.toEqual(['web']);
    expect(count()).toBe(3);
    agent.inject(on.backends(), { kind: 'status', status: 500 });
    agent.requests.length = 0;
    await expect(client.getBackends(target())).rejects.toThrow(/HTTP 500/);
    expect(count()).toBe(3);
    client.close();
  });

  test.each([
    ['a 4xx', { kind: 'status' as const, status: 404 }],
    ['a malformed answer', { kind: 'body' as const, body: { success: true, backends: 'web' } }],
    ['invalid JSON', { kind: 'invalid-json' as const }],
  ])('%s is not retried', async (_l, fault) => {
    const client = testClient({ maxRetries: 3 });
    agent.inject(on.backends(), fault);
    await expect(client.getBackends(target())).rejects.toBeInstanceOf(FagentError);
    expect(count()).toBe(1);
    client.close();
  });

  test('commands are never retried (a timed-out drain may have been applied)', async () => {
    const client = testClient({ maxRetries: 3 });
    agent.inject(on.command(), { kind: 'status', status: 502 });
    await expect(client.command(target(), 'web', 'w1', 'drain')).rejects.toThrow(/HTTP 502/);
    expect(count()).toBe(1);
    client.close();
  });

  test('a hanging agent times out', async () => {
    const client = testClient({ timeoutMs: 200 });
    agent.inject(on.backends(), { kind: 'hang' });
    const started = Date.now();
    await expect(client.getBackends(target())).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    // On a busy machine the client can give up before the agent has even read the request: wait for it,
    // so it is not counted in the next test.
    for (const deadline = Date.now() + 5000; count() === 0 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(count()).toBe(1);
    client.close();
  });
});

test('an answer that starts with a UTF-8 byte order mark is read like one without', async () => {
  const client = testClient();
  const bom = (v: unknown) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(v))]);
  agent.inject(
    on.backends(),
    { kind: 'status', status: 200, body: bom({ success: true, backends: ['web', 'ünï'] }) },
    1
  );
  await expect(client.getBackends(target())).resolves.toEqual(['web', 'ünï']);
  agent.inject(on.backends(), { kind: 'status', status: 200, body: bom({ success: true, backends: ['web'] }) }, 1);
  await expect(client.getBackends(target(), { fresh: true })).resolves.toEqual(['web']);
  // Only a leading mark: one anywhere else is still invalid JSON.
  agent.inject(on.backends(), {
    kind: 'status',
    status: 200,
    body: Buffer.concat([Buffer.from(' '), bom({ success: true, backends: ['web'] })]),
  });
  await expect(client.getBackends(target(), { fresh: true })).rejects.toMatchObject({ kind: 'invalid_answer' });
  client.close();
});

test('an answer in another encoding than UTF-8 is refused, saying so; UTF-8 names are read as sent', async () => {
  const client = testClient();
  const answer = JSON.stringify({ success: true, backends: ['web', 'café'] });
  agent.inject(on.backends(), { kind: 'status', status: 200, body: Buffer.from(answer, 'utf8') }, 1);
  await expect(client.getBackends(target())).resolves.toEqual(['web', 'café']);
  // Read as UTF-8, Latin-1's 0xE9 would have become U+FFFD: a name HAProxy never sends back.
  agent.inject(on.backends(), { kind: 'status', status: 200, body: Buffer.from(answer, 'latin1') }, 1);
  await expect(client.getBackends(target(), { fresh: true })).rejects.toMatchObject({
    kind: 'invalid_answer',
    message: expect.stringContaining('bytes that are not UTF-8'),
  });
  // An error status stays an HTTP error whatever its body's bytes.
  agent.inject(on.backends(), { kind: 'status', status: 503, body: Buffer.from([0xff, 0xfe]) }, 1);
  await expect(client.getBackends(target(), { fresh: true })).rejects.toMatchObject({ kind: 'http' });
  client.close();
});

test('the bearer token is sent: per host, else the default', async () => {
  const client = testClient({ defaultToken: 'default-tok' });
  await client.getBackends(target(1));
  await client.getBackends(target(2, 'host-tok'));
  expect(agent.requests.map((r) => r.authorization)).toEqual(['Bearer default-tok', 'Bearer host-tok']);
  client.close();
});

describe('cache', () => {
  test('answers are served from the cache within the TTL; fresh reads bypass it; a command invalidates', async () => {
    const client = testClient({ cacheTtlSec: 30 });
    await client.getBackends(target());
    await client.getServers(target(), 'web');
    await client.getBackends(target());
    await client.getServers(target(), 'web');
    expect(count()).toBe(2);
    expect(client.cache.stats().hits).toBe(2);
    await client.getBackends(target(), { fresh: true });
    expect(count()).toBe(3);
    await client.command(target(), 'web', 'w1', 'drain');
    expect((await client.getServers(target(), 'web'))[0].status).toBe('DRAIN');
    expect(count()).toBe(5);
    client.close();
  });

  test('instances are cached separately and a failed answer is never cached', async () => {
    const client = testClient({ cacheTtlSec: 30 });
    agent.inject(on.backends(), { kind: 'status', status: 404 }, 1);
    await expect(client.getBackends(target(1))).rejects.toThrow();
    await client.getBackends(target(1));
    await client.getBackends(target(2));
    client.cache.invalidate(1);
    await client.getBackends(target(1));
    await client.getBackends(target(2));
    expect(count()).toBe(4);
    client.close();
  });
});

describe('circuit breaker', () => {
  const failingOp = () => Promise.reject(new FagentError('network', 'down'));

  test('opens after THRESHOLD consecutive failures, fails fast while open, half-opens after the timeout and closes on success', async () => {
    const client = testClient({ breakerThreshold: 3, breakerResetTimeoutMs: 250 });
    const b = client.breakers;
    const version = b.version;
    for (let n = 0; n < 2; n++) {
      await expect(b.run(7, failingOp)).rejects.toThrow('down');
    }
    expect(b.state(7)).toBe('closed');
    expect(b.version).toBe(version); // failures below the threshold change no state
    await expect(b.run(7, failingOp)).rejects.toThrow('down');
    expect(b.state(7)).toBe('open');
    const opened = b.version;
    expect(opened).not.toBe(version);
    let called = false;
    await expect(
      b.run(7, async () => {
        called = true;
      })
    ).rejects.toBeInstanceOf(BreakerOpenError);
    expect(called).toBe(false);
    expect(b.state(8)).toBe('closed'); // another instance is not affected
    await new Promise((r) => setTimeout(r, 300));
    expect(b.state(7)).toBe('half_open');
    const halfOpened = b.version;
    expect(halfOpened).not.toBe(opened);
    await expect(b.run(7, async () => 'ok')).resolves.toBe('ok');
    expect(b.state(7)).toBe('closed');
    expect(b.version).not.toBe(halfOpened);
    client.close();
  });

  test('a failed trial in half-open opens it again; a success in between resets the count', async () => {
    const client = testClient({ breakerThreshold: 2, breakerResetTimeoutMs: 150 });
    const b = client.breakers;
    await expect(b.run(1, failingOp)).rejects.toThrow();
    await b.run(1, async () => 'ok');
    await expect(b.run(1, failingOp)).rejects.toThrow();
    expect(b.state(1)).toBe('closed');
    await expect(b.run(1, failingOp)).rejects.toThrow();
    expect(b.state(1)).toBe('open');
    await new Promise((r) => setTimeout(r, 200));
    await expect(b.run(1, failingOp)).rejects.toThrow('down');
    expect(b.state(1)).toBe('open');
    client.close();
  });

  test('4xx answers (unknown server) do not count against the agent', async () => {
    const client = testClient({ breakerThreshold: 1 });
    await expect(client.command(target(), 'web', 'nope', 'drain')).rejects.toThrow(/unknown server nope/);
    expect(client.breakers.state(1)).toBe('closed');
    client.close();
  });
});

describe('bounded answers', () => {
  test('the deadline is total: an answer dripped a byte at a time fails at it, not after', async () => {
    const client = testClient({ timeoutMs: 500 });
    // 1 byte every 100 ms: each byte comes well within the deadline, the whole answer would take seconds.
    agent.inject(on.backends(), { kind: 'drip', bytes: 1, everyMs: 100 });
    const started = Date.now();
    await expect(client.getBackends(target())).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2500);
    client.close();
  });

  test('a body over the limit is aborted while it streams, with a clear error; a declared length is refused before', async () => {
    const client = testClient({ maxBodyBytes: 64 * 1024 });
    agent.inject(on.command(), { kind: 'huge', items: 100_000 }, 1); // a 10 MB message, chunked
    await expect(client.command(target(), 'web', 'w1', 'ready')).rejects.toMatchObject({
      kind: 'over_limit',
      message: expect.stringContaining('larger than HAPROXY_FAGENT_MAX_BODY_BYTES (65536 bytes)'),
    });
    agent.inject(on.servers(), { kind: 'body', body: { success: true, servers: [], pad: 'x'.repeat(70_000) } }, 1);
    await expect(client.getServers(target(), 'web')).rejects.toThrow(/larger than HAPROXY_FAGENT_MAX_BODY_BYTES/);
    await expect(client.getServers(target(), 'web')).resolves.toHaveLength(1);
    client.close();
  });

  test('an answer of many small objects is refused by its JSON budget before it is parsed', async () => {
    const client = testClient({ maxBodyBytes: 4 * 1024 * 1024 });
    // 400,000 empty objects in 1.2 MB: under the byte limit, over one object per 64 bytes of it.
    const empties = { head: '{"success":true,"servers":[', item: () => '{}', tail: ']}' };
    agent.inject(on.servers(), { kind: 'huge', items: 400_000, shape: empties }, 1);
    await expect(client.getServers(target(), 'web')).rejects.toMatchObject({
      kind: 'over_limit',
      message: expect.stringContaining('holds more than 65536 JSON objects and arrays'),
    });
    const deep = { head: `{"success":true,"pad":"${'x'.repeat(1 << 20)}","servers":`, item: () => '[', tail: '' };
    agent.inject(on.servers(), { kind: 'huge', items: 40, shape: { ...deep, separator: '' } }, 1);
    await expect(client.getServers(target(), 'web')).rejects.toThrow(/nests JSON deeper than 32 levels/);
    client.close();
  });

  test('limits on servers per backend and backends per instance', async () => {
    const client = testClient({ maxServersPerBackend: 2, maxBackendsPerInstance: 1 });
    agent.inject(on.servers(), { kind: 'huge', items: 3 }, 1);
    await expect(client.getServers(target(), 'web')).rejects.toThrow(
      /lists 3 servers in one backend, more than HAPROXY_FAGENT_MAX_SERVERS_PER_BACKEND \(2\)/
    );
    agent.inject(on.backends(), { kind: 'body', body: { success: true, backends: ['a', 'b'] } }, 1);
    await expect(client.getBackends(target())).rejects.toMatchObject({ kind: 'over_limit' });
    client.close();
  });

  test('error messages never echo the answer: at most the agent’s short reason, without control characters', async () => {
    const client = testClient();
    const secret = 'SECRET-TOKEN-abc123';
    const bodies = [
      { success: true, servers: [{ name: `${secret}\u0000`, status: 'UP', weight: 1, current_sessions: 0 }] },
      { success: true, servers: [{ name: 'w1', status: secret, weight: '1', current_sessions: 0 }] },
      { success: true, backends: secret },
    ];
    for (const body of bodies) {
      agent.inject(on.any(), { kind: 'body', body }, 1);
      const err = await client.getServers(target(), 'web').catch((e: Error) => e);
      expect(err).toBeInstanceOf(FagentError);
      expect((err as Error).message).not.toContain(secret);
    }
    agent.inject(on.any(), { kind: 'status', status: 500, body: `<html>${secret}</html>` }, 1);
    expect(((await client.getBackends(target()).catch((e: Error) => e)) as Error).message).not.toContain(secret);

    const reason = `bad\u0000thing\u001b[31m ${'y'.repeat(500)}`;
    agent.inject(on.any(), { kind: 'body', status: 409, body: { success: false, error: reason } }, 1);
    const refused = (await client.command(target(), 'web', 'w1', 'drain').catch((e: Error) => e)) as FagentError;
    expect(refused).toMatchObject({ kind: 'refused', httpStatus: 409 });
    expect(refused.message).toMatch(/: bad thing \[31m y+…$/);
    expect(refused.message.length).toBeLessThan(300);
    client.close();
  });

  test('a NUL byte in a name is a typed error naming the field', async () => {
    const client = testClient();
    agent.inject(on.backends(), { kind: 'body', body: { success: true, backends: ['web', 'a\u0000b'] } }, 1);
    await expect(client.getBackends(target())).rejects.toMatchObject({
      kind: 'invalid_answer',
      message: expect.stringContaining('at backends[1]: contains a control character (U+0000) at position 1'),
    });
    client.close();
  });
});

test.each([100, 101, 103, 199])(
  'an interim or switching status alone (%i) is a typed error within the deadline',
  async (status) => {
    const client = testClient({ timeoutMs: 300 });
    agent.inject(on.backends(), { kind: 'status', status, body: '{"success":true,"backends":[]}' }, 1);
    const started = Date.now();
    const err = await client.getBackends(target()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FagentError);
    expect((err as Error).message).not.toContain('\n');
    expect(Date.now() - started).toBeLessThan(2300);
    client.close();
  }
);

describe('the caller’s AbortSignal', () => {
  test('an abort ends the call at once, is typed `aborted` and does not count against the agent', async () => {
    const client = testClient({ timeoutMs: 10_000, breakerThreshold: 1 });
    agent.inject(on.command(), { kind: 'hang' });
    const caller = new AbortController();
    const call = client.command(target(), 'web', 'w1', 'drain', { signal: caller.signal });
    setTimeout(() => caller.abort(), 100);
    await expect(call).rejects.toMatchObject({ kind: 'aborted' });
    expect(client.breakers.state(1)).toBe('closed');
    client.close();
  });

  test('a caller’s timeout signal is a timeout, and it also ends the retries and their backoff', async () => {
    const client = testClient({ maxRetries: 5, retryDelayMs: 2000 });
    agent.inject(on.backends(), { kind: 'status', status: 503 });
    const started = Date.now();
    await expect(client.getBackends(target(), { signal: AbortSignal.timeout(300) })).rejects.toMatchObject({
      kind: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(count()).toBe(1);
    client.close();
  });

  test('an already aborted signal sends nothing', async () => {
    const client = testClient();
    await expect(client.getBackends(target(), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      kind: 'aborted',
    });
    expect(count()).toBe(0);
    client.close();
  });
});

test('a flapping agent: a read is retried into the good answer, a command is not retried', async () => {
  const client = testClient({ maxRetries: 1 });
  agent.inject(on.any(), namedFault('flapping'));
  await expect(client.getBackends(target())).resolves.toEqual(['web']);
  expect(count()).toBe(2);
  await expect(client.command(target(), 'web', 'w1', 'ready')).rejects.toMatchObject({ httpStatus: 503 });
  expect(count()).toBe(3);
  client.close();
});

test('names are sent as names: `.` and `..` reach the agent encoded, never resolved as path steps', async () => {
  const client = testClient();
  agent.setBackend('main', '..', [{ name: '.', status: 'UP' }]);
  await expect(client.getServers(target(), '..')).resolves.toMatchObject([{ name: '.' }]);
  await client.command(target(), '..', '.', 'drain');
  expect(agent.requests.map((r) => r.rawPath)).toEqual([
    '/api/haproxy/main/backends/%2E%2E/servers',
    '/api/haproxy/main/backends/%2E%2E/servers/%2E/drain',
  ]);
  agent.removeBackend('main', '..');
  client.close();
});

describe('answers whose body cannot be read as the agent meant it', () => {
  test('a redirect is not followed (the token stays where it was registered), and its target is named', async () => {
    const client = testClient({ maxRetries: 2 });
    agent.inject(on.any(), {
      kind: 'status',
      status: 308,
      headers: { location: `https://new-home.example/api\t${'x'.repeat(300)}` },
    });
    const err = await client.getBackends(target()).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'http', httpStatus: 308 });
    const message = (err as FagentError).message;
    expect(message).toMatch(
      /^FAgent answered HTTP 308 to GET \/api\/haproxy\/main\/backends, a redirect to "https:\/\/new-home\.example\/api x+…": redirects are not followed/
    );
    expect(message).toMatch(/register the agent at the address it redirects to$/);
    expect(message.length).toBeLessThan(450); // the Location is cut at 200 characters
    expect(count()).toBe(1); // a 3xx is the agent's word, not a fault to retry
    client.close();
  });

  test.each([304, 300])(
    'a %i without a Location points nowhere: an HTTP error, not "register the agent where it redirects"',
    async (status) => {
      const client = testClient({ maxRetries: 2 });
      agent.inject(on.any(), { kind: 'status', status, body: '' });
      for (const call of [() => client.getBackends(target()), () => client.command(target(), 'web', 'w1', 'drain')]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toMatchObject({ kind: 'http', httpStatus: status });
        expect((err as FagentError).message).toMatch(new RegExp(`^FAgent answered HTTP ${status} to (GET|POST) /api/`));
        expect((err as FagentError).message).not.toMatch(/redirect/);
      }
      expect(count()).toBe(2); // neither followed nor retried
      client.close();
    }
  );

  test('a compressed answer, never asked for, says so instead of "invalid JSON"', async () => {
    const client = testClient();
    agent.inject(on.any(), namedFault('gzip'));
    await expect(client.getBackends(target())).rejects.toMatchObject({
      kind: 'invalid_answer',
      message:
        "FAgent answered GET /api/haproxy/main/backends compressed (Content-Encoding: gzip), which this service neither asks for nor decodes: turn compression off for the agent's address",
    });
    client.close();
  });

  test('a compressed error is its HTTP status: a seed agent’s 404 on /state falls back, a 503 is retried', async () => {
    const client = testClient({ maxRetries: 1 });
    // The fake is a seed agent: /state is its 404, here compressed by a proxy in front.
    agent.inject(on.state(), namedFault('gzip'));
    await expect(client.getState(target())).resolves.toBeUndefined();
    const gzipped = { 'content-encoding': 'gzip' };
    agent.inject(
      on.backends(),
      { kind: 'status', status: 503, body: gzipSync('{"error":"busy"}'), headers: gzipped },
      1
    );
    await expect(client.getBackends(target())).resolves.toEqual(['web']);
    // Not a malformed answer, which would count against the agent: an unknown server, as any other 404.
    agent.inject(on.command(), { kind: 'status', status: 404, body: gzipSync('{"success":false}'), headers: gzipped });
    await expect(client.command(target(), 'web', 'nope', 'drain')).rejects.toMatchObject({
      kind: 'http',
      httpStatus: 404,
      isClientError: true,
    });
    client.close();
  });
});

describe('what a fault is called', () => {
  /** A raw agent that sends `answer` to the first bytes it gets: the network fault it is, in `said`'s words. */
  async function expectFault(answer: string, said: string) {
    const server = net.createServer((socket) => {
      // The client drops the connection as soon as it knows: the rest of the answer may meet a reset.
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end(answer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const client = testClient({ maxRetries: 0 });
    try {
      const err = await client.getBackends({ instanceId: 1, instanceName: 'main', baseUrl: url }).catch((e) => e);
      expect(err).toBeInstanceOf(FagentError);
      expect(err.kind).toBe('network');
      expect(err.message).toMatch(new RegExp(`^FAgent at ${url} ${said}`));
    } finally {
      client.close();
      server.close();
    }
  }

  test.each([
    ['garbage instead of a status line', 'HELLO AGENT\r\n\r\n'],
    ['a Content-Length that is no number', 'HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n{}'],
  ])('an agent that answers %s is said to answer badly, not to be unreachable', async (_l, answer) => {
    await expectFault(answer, 'answered GET /api/haproxy/main/backends with bytes that are not valid HTTP/1.1: ');
  });

  const json = '{"success":true,"backends":["web"]}';
  test.each([
    [
      'a 100 Continue before its answer',
      `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
      'answered GET /api/haproxy/main/backends with an interim 100 Continue, which this client does not read: bad response',
    ],
    [
      'a 101 it was not asked for',
      'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n',
      'answered GET /api/haproxy/main/backends with a protocol switch \\(101\\) that was not asked for',
    ],
    [
      'a header line of 70,000 bytes',
      `HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(70_000)}\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
      'answered GET /api/haproxy/main/backends with headers larger than this service reads \\(\\d+ bytes\\)',
    ],
    [
      '3,000 headers',
      `HTTP/1.1 200 OK\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n${json}`,
      'answered GET /api/haproxy/main/backends with headers larger than this service reads',
    ],
    [
      '35 of the 100 bytes it announced, then a close',
      `HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${json}`,
      'closed the connection in the middle of its HTTP 200 answer to GET /api/haproxy/main/backends \\(after 35 bytes of body\\): other side closed',
    ],
    [
      'a chunk cut short, then a close',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"succ',
      'closed the connection in the middle of its HTTP 200 answer to GET /api/haproxy/main/backends \\(after 6 bytes',
    ],
  ])('an agent that answers %s was reached: the error says what it sent', async (_l, answer, said) => {
    await expectFault(answer, said);
  });
});
