import { ConfigError, loadConfig } from '../src/config';

test('the seed defaults apply when nothing is set', () => {
  expect(loadConfig({})).toMatchObject({
    enabled: true,
    pollingIntervalSec: 60,
    cacheTtlSec: 30,
    requestTimeoutMs: 10_000,
    maxRetries: 3,
    breakerThreshold: 5,
    breakerResetTimeoutMs: 300_000,
    port: 8080,
    databaseUrl: undefined,
  });
});

test('values are read and converted', () => {
  const c = loadConfig({
    HAPROXY_ENABLED: 'false',
    HAPROXY_POLLING_INTERVAL: '15',
    HAPROXY_REQUEST_TIMEOUT: '2.5',
    DATABASE_URL: 'postgres://u:p@db:5432/hpx',
    LOG_LEVEL: 'debug',
  });
  expect(c).toMatchObject({
    enabled: false,
    pollingIntervalSec: 15,
    requestTimeoutMs: 2500,
    databaseUrl: 'postgres://u:p@db:5432/hpx',
    logLevel: 'debug',
  });
});

test('every invalid setting is named in one clear error', () => {
  const bad = () =>
    loadConfig({
      HAPROXY_POLLING_INTERVAL: 'often',
      HAPROXY_ENABLED: 'maybe',
      PORT: '70000',
      BOOTSTRAP_ADMIN_TOKEN: 'short',
    });
  expect(bad).toThrow(ConfigError);
  try {
    bad();
  } catch (e) {
    const msg = (e as Error).message;
    for (const key of ['HAPROXY_POLLING_INTERVAL', 'HAPROXY_ENABLED', 'PORT', 'BOOTSTRAP_ADMIN_TOKEN']) {
      expect(msg).toContain(key);
    }
  }
});

test('data safety: the sync deadline follows the request timeout unless set; removal limits', () => {
  expect(loadConfig({})).toMatchObject({ syncDeadlineMs: 30_000, removalMaxShare: 0.5, removalConfirmSyncs: 3 });
  expect(loadConfig({ HAPROXY_REQUEST_TIMEOUT: '2.5' }).syncDeadlineMs).toBe(15_000);
  expect(
    loadConfig({ HAPROXY_SYNC_DEADLINE: '4.5', HAPROXY_REMOVAL_MAX_SHARE: '1', HAPROXY_REMOVAL_CONFIRM_SYNCS: '1' })
  ).toMatchObject({ syncDeadlineMs: 4500, removalMaxShare: 1, removalConfirmSyncs: 1 });
  expect(() =>
    loadConfig({ HAPROXY_SYNC_DEADLINE: '0', HAPROXY_REMOVAL_MAX_SHARE: '1.5', HAPROXY_REMOVAL_CONFIRM_SYNCS: '0' })
  ).toThrow(/HAPROXY_SYNC_DEADLINE[\s\S]*HAPROXY_REMOVAL_MAX_SHARE[\s\S]*HAPROXY_REMOVAL_CONFIRM_SYNCS/);
});

test('guarded operations: the default budget (a count or a percentage) and how often jobs look', () => {
  expect(loadConfig({})).toMatchObject({ minAvailable: { count: 1 }, operationPollMs: 2000, operationLeaseMs: 15_000 });
  expect(loadConfig({ HAPROXY_MIN_AVAILABLE: '50%', HAPROXY_OPERATION_POLL_INTERVAL: '0.5' })).toMatchObject({
    minAvailable: { percent: 50 },
    operationPollMs: 500,
  });
  expect(loadConfig({ HAPROXY_OPERATION_POLL_INTERVAL: '10' }).operationLeaseMs).toBe(50_000);
  expect(() => loadConfig({ HAPROXY_MIN_AVAILABLE: '150%', HAPROXY_OPERATION_POLL_INTERVAL: '-1' })).toThrow(
    /HAPROXY_MIN_AVAILABLE[\s\S]*0% to 100%[\s\S]*HAPROXY_OPERATION_POLL_INTERVAL|HAPROXY_OPERATION_POLL_INTERVAL[\s\S]*HAPROXY_MIN_AVAILABLE/
  );
  expect(() => loadConfig({ HAPROXY_MIN_AVAILABLE: 'half' })).toThrow(/HAPROXY_MIN_AVAILABLE/);
});

test('a variable set to nothing is unset: its default applies, not 0', () => {
  const blank = Object.fromEntries(
    [
      'PORT',
      'HAPROXY_OPERATION_POLL_INTERVAL',
      'HAPROXY_WINDOW_CHECK_INTERVAL',
      'HAPROXY_MAX_RETRIES',
      'HOST',
      'DATA_DIR',
    ].map((k) => [k, k === 'HOST' ? '  ' : ''])
  );
  expect(loadConfig(blank)).toMatchObject({
    port: 8080,
    operationPollMs: 2000,
    windowCheckIntervalMs: 5000,
    maxRetries: 3,
    host: '127.0.0.1',
    dataDir: '.data',
  });
});
