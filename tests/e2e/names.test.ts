import { Stack, startStack } from './support';

// HAProxy names may hold letters, digits and `.`, `-`, `_`, `:` (no spaces): every one of them, in every position.
const INSTANCE = 'lb-1.eu:main_x';
const WEB = 'web.front-end_v2:blue';
const API = 'api:v1.2_beta-3';
const SRV = 'srv-1.a_b:c';
const OTHER = '_srv.2:x-y';
const A1 = 'a:1';

describe('names with dots, dashes, underscores and colons', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      instanceName: INSTANCE,
      haproxy: (u) => ({
        backends: [
          {
            name: WEB,
            lines: ['option httpchk GET /health'],
            servers: [
              { name: SRV, address: u.healthy.address, options: 'check' },
              { name: OTHER, address: u.healthy.address },
            ],
          },
          { name: API, servers: [{ name: A1, address: u.healthy.address }] },
        ],
      }),
    });
    await stack.haproxy.waitForStatus(WEB, SRV, 'UP');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('sync stores them exactly', async () => {
    expect(await stack.sync()).toMatchObject({ status: 'ok', backends: 2, servers: 3 });
    const stored = (await stack.servers()).map((s) => [s.backend_name, s.server_name, s.status]);
    expect(stored.sort()).toEqual(
      [
        [API, A1, 'UP'],
        [WEB, OTHER, 'UP'],
        [WEB, SRV, 'UP'],
      ].sort()
    );
  });

  it('a command reaches the right server and comes back through the next sync', async () => {
    const srv = await stack.server(WEB, SRV);
    const drained = await stack.command(srv.id, 'drain');
    expect(drained.status).toBe(200);
    expect(await stack.haproxy.serverStatus(WEB, SRV)).toBe('DRAIN');
    expect(await stack.haproxy.serverStatus(WEB, OTHER)).toBe('no check');
    expect((await stack.actions(srv.id))[0]).toMatchObject({
      instance_name: INSTANCE,
      backend_name: WEB,
      server_name: SRV,
      success: true,
    });

    expect(await stack.sync()).toMatchObject({ status: 'ok' });
    expect(await stack.server(WEB, SRV)).toMatchObject({ status: 'DRAIN', raw_status: 'DRAIN' });
    expect((await stack.history(srv.id)).map((h) => [h.from_status, h.to_status, h.cause])).toEqual([
      ['UP', 'DRAIN', 'command'],
      [null, 'UP', 'sync'],
    ]);

    const a1 = await stack.server(API, A1);
    expect((await stack.command(a1.id, 'maint')).status).toBe(200);
    expect(await stack.haproxy.serverStatus(API, A1)).toBe('MAINT');
  });
});

// HAProxy sets no length on names: a backend and a server with names far past 255 characters.
const LONG_BACKEND = `be-${'b'.repeat(1500)}`;
const LONG_SERVER = `srv-${'s'.repeat(1200)}`;

describe('names as long as HAProxy takes them', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      instanceName: 'long-names',
      haproxy: (u) => ({
        backends: [{ name: LONG_BACKEND, servers: [{ name: LONG_SERVER, address: u.healthy.address }] }],
      }),
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('are synced whole, and a command reaches the server by its full name', async () => {
    expect(await stack.sync()).toMatchObject({ status: 'ok', backends: 1, servers: 1 });
    const srv = await stack.server(LONG_BACKEND, LONG_SERVER);
    expect((await stack.command(srv.id, 'drain')).status).toBe(200);
    expect(await stack.haproxy.serverStatus(LONG_BACKEND, LONG_SERVER)).toBe('DRAIN');
    expect(await stack.sync()).toMatchObject({ status: 'ok' });
    expect(await stack.server(LONG_BACKEND, LONG_SERVER)).toMatchObject({ status: 'DRAIN' });
  });
});
