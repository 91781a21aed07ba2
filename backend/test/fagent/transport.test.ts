import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnswerProblem } from '../../src/fagent/errors';
import { ExchangeTimeout, FagentTransport, SendOptions } from '../../src/fagent/transport';

/**
 * The transport's own bounds, on a real HTTP server on 127.0.0.1 and one connection per origin, so that an
 * exchange can wait in undici's queue: its timeout and the caller's signal end it there too, nothing of it is
 * ever sent afterwards, and the connection serves the next exchange.
 */
let server: http.Server;
let origin: string;
const seen: string[] = [];
/** Requests to /hold are answered when release() is called. */
let held: Array<() => void> = [];
const release = () => {
  held.forEach((answer) => answer());
  held = [];
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
    if (req.url === '/hold') {
      held.push(answer);
    } else if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`["${'x'.repeat(5000)}"]`);
    } else if (req.url === '/redirect') {
      res.writeHead(302, { location: '/elsewhere', 'content-encoding': 'gzip' }).end();
    } else {
      answer();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  release();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

const get = (path: string, o: Partial<SendOptions> = {}): SendOptions => ({
  origin,
  path,
  method: 'GET',
  headers: {},
  timeoutMs: 5000,
  maxBodyBytes: 1024 * 1024,
  ...o,
});

test('an exchange still queued for the connection ends at its timeout, and is never sent afterwards', async () => {
  const transport = new FagentTransport({ connectionsPerOrigin: 1 });
  const first = transport.send(get('/hold'));
  await waitFor(() => seen.length === 1);
  const started = Date.now();
  const queued = await transport.send(get('/queued', { timeoutMs: 150 })).catch((e: unknown) => e);
  expect(queued).toBeInstanceOf(ExchangeTimeout);
  expect(Date.now() - started).toBeLessThan(1000);
  release();
  await expect(first).resolves.toMatchObject({ status: 200 });
  // The connection is free again: the next exchange is answered, and the timed-out one was dropped.
  await expect(transport.send(get('/next'))).resolves.toMatchObject({ status: 200 });
  expect(seen).toEqual(['/hold', '/next']);
  await transport.close();
});

test('the caller’s signal ends a queued exchange with its own reason', async () => {
  const transport = new FagentTransport({ connectionsPerOrigin: 1 });
  const first = transport.send(get('/hold'));
  await waitFor(() => seen.length === 1);
  const caller = new AbortController();
  const queued = transport.send(get('/queued', { signal: caller.signal }));
  const reason = new Error('the sync’s deadline');
  caller.abort(reason);
  await expect(queued).rejects.toBe(reason);
  release();
  await first;
  await expect(transport.send(get('/next'))).resolves.toMatchObject({ status: 200 });
  expect(seen).toEqual(['/hold', '/next']);
  await transport.close();
});

test('an exchange in flight ends at its timeout; an answered one stops listening to the caller', async () => {
  const transport = new FagentTransport({ connectionsPerOrigin: 2 });
  await expect(transport.send(get('/hold', { timeoutMs: 100 }))).rejects.toBeInstanceOf(ExchangeTimeout);
  release();
  const caller = new AbortController();
  const answer = transport.send(get('/ok', { signal: caller.signal }));
  expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
  expect((await answer).body.toString()).toBe('{"success":true}');
  // A sync's deadline signal serves all its reads: each answered one lets go of it.
  expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  await transport.close();
});

test('a body over the byte limit is dropped while it streams, as an over_limit problem', async () => {
  const transport = new FagentTransport({ connectionsPerOrigin: 1 });
  const err = await transport.send(get('/big', { maxBodyBytes: 1000 })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AnswerProblem);
  expect(err).toMatchObject({ kind: 'over_limit' });
  await expect(transport.send(get('/big'))).resolves.toMatchObject({ status: 200 });
  await transport.close();
});

test('a redirect is read with its Location and Content-Encoding, not followed', async () => {
  const transport = new FagentTransport({ connectionsPerOrigin: 1 });
  const answer = await transport.send(get('/redirect'));
  expect(answer).toMatchObject({ status: 302, location: '/elsewhere', encoding: 'gzip' });
  expect(seen).toEqual(['/redirect']);
  await transport.close();
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(condition()).toBe(true);
}
