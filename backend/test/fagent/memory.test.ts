import { execFile } from 'node:child_process';
import path from 'node:path';
import { Fault, hugeServer, on, useFakeAgent } from '../support/fake-fagent';

/**
 * Peak memory stays under 512 MB whatever one agent sends: a client with the service's default limits runs in
 * a child process of its own (so its peak RSS is its own) against answers streamed by a fake agent.
 */
const LIMIT = 512 * 1024 * 1024;
const backendDir = path.resolve(__dirname, '../..');

const agent = useFakeAgent({ protocol: 'extended' }).setBackend('main', 'web', [{ name: 'w1', status: 'UP' }]);

interface Probe {
  ok?: boolean;
  kind?: string;
  message?: string;
  size?: number;
  threaded?: boolean;
  crashed?: string;
  maxRssBytes: number;
}

function probe(route: 'servers' | 'state'): Promise<Probe> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', './test/support/ts-register.js', 'test/fagent/memory-probe.ts', agent.url, route],
      { cwd: backendDir, timeout: 90_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)))
    );
  });
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

test.each(['servers', 'state'] as const)(
  'an answer of 1,000,000 servers on /%s: a clear over_limit error, peak RSS under 512 MB',
  async (route) => {
    agent.inject(route === 'state' ? on.state() : on.servers(), { kind: 'huge', items: 1_000_000 });
    const out = await probe(route);
    expect(out).toMatchObject({
      ok: false,
      kind: 'over_limit',
      message: expect.stringContaining('is larger than HAPROXY_FAGENT_MAX_BODY_BYTES (33554432 bytes)'),
    });
    expect(out.maxRssBytes).toBeLessThan(LIMIT);
    console.log(`1,000,000 servers on /${route}: peak RSS ${mb(out.maxRssBytes)}`);
  }
);

// The shapes that cost the parser most per byte, each just under the 32 MB body limit.
const dense: Array<[string, Fault, RegExp]> = [
  [
    'empty objects',
    { kind: 'huge', items: 11_000_000, shape: { head: '{"success":true,"servers":[', item: () => '{}', tail: ']}' } },
    /holds more than 524288 JSON objects and arrays/,
  ],
  [
    'numbers',
    { kind: 'huge', items: 16_000_000, shape: { head: '{"success":true,"servers":[', item: () => '0', tail: ']}' } },
    /holds more than 2097152 JSON values/,
  ],
  [
    'short distinct strings',
    {
      kind: 'huge',
      items: 3_000_000,
      shape: { head: '{"success":true,"servers":[', item: (i) => `"${i.toString(36)}"`, tail: ']}' },
    },
    /holds more than 2097152 JSON values/,
  ],
];

test.each(dense)('%s, densely packed: refused before parsing, peak RSS under 512 MB', async (what, fault, message) => {
  agent.inject(on.servers(), fault);
  const out = await probe('servers');
  expect(out).toMatchObject({ ok: false, kind: 'over_limit', message: expect.stringMatching(message) });
  expect(out.maxRssBytes).toBeLessThan(LIMIT);
  console.log(`${what}: peak RSS ${mb(out.maxRssBytes)}`);
});

/** A /state answer of `backends` x 1,000 servers of about 110 bytes, streamed. */
const stateOf = (backends: number): Fault => ({
  kind: 'huge',
  items: backends,
  shape: {
    head: '{"success":true,"info":{"version":"2.6","pid":1,"started_at":"2026-12-01T12:00:00Z","uptime_s":1},"backends":[',
    item: (b) =>
      `{"name":"backend-${b}","servers":[${Array.from({ length: 1000 }, (_, i) => hugeServer(b * 1000 + i)).join(',')}]}`,
    tail: ']}',
  },
});

test('the largest answer the limits accept (250 backends x 1,000 servers, 28 MB on /state) stays under 512 MB', async () => {
  agent.inject(on.state(), stateOf(250));
  const out = await probe('state');
  expect(out.ok).toBe(true);
  expect(out.size).toBeGreaterThan(250_000 * 100);
  // Past HAPROXY's thread limit (8 MiB) it is decoded on the event loop: a thread would hold it twice.
  expect(out.threaded).toBe(false);
  expect(out.maxRssBytes).toBeLessThan(LIMIT);
  console.log(`250,000 servers accepted on /state: peak RSS ${mb(out.maxRssBytes)}`);
});

test('the largest answer a decoding thread takes (60,000 servers, 7 MB on /state) stays under 512 MB', async () => {
  agent.inject(on.state(), stateOf(60));
  const out = await probe('state');
  expect(out).toMatchObject({ ok: true, threaded: true });
  expect(out.maxRssBytes).toBeLessThan(LIMIT);
  console.log(`60,000 servers on /state, decoded on a thread: peak RSS ${mb(out.maxRssBytes)}`);
});
