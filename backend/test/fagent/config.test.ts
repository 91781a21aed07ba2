import { ConfigError, loadConfig } from '../../src/config';

test('FAgent answer limits and networks: defaults', () => {
  expect(loadConfig({})).toMatchObject({
    fagentMaxBodyBytes: 32 * 1024 * 1024,
    fagentMaxServersPerBackend: 10_000,
    fagentMaxBackendsPerInstance: 10_000,
    fagentAllowedNetworks: undefined,
  });
});

test('FAgent answer limits and networks: values are read', () => {
  expect(
    loadConfig({
      HAPROXY_FAGENT_MAX_BODY_BYTES: '1048576',
      HAPROXY_FAGENT_MAX_SERVERS_PER_BACKEND: '500',
      HAPROXY_FAGENT_MAX_BACKENDS_PER_INSTANCE: '20',
      HAPROXY_FAGENT_ALLOWED_NETWORKS: ' 10.0.0.0/8, fd00::/8 ,192.0.2.7,',
    })
  ).toMatchObject({
    fagentMaxBodyBytes: 1_048_576,
    fagentMaxServersPerBackend: 500,
    fagentMaxBackendsPerInstance: 20,
    fagentAllowedNetworks: ['10.0.0.0/8', 'fd00::/8', '192.0.2.7'],
  });
  expect(loadConfig({ HAPROXY_FAGENT_ALLOWED_NETWORKS: ' ' }).fagentAllowedNetworks).toBeUndefined();
});

test('every bad FAgent setting, and every bad network, is named in one error', () => {
  let message = '';
  try {
    loadConfig({
      HAPROXY_FAGENT_MAX_BODY_BYTES: '1k',
      HAPROXY_FAGENT_MAX_SERVERS_PER_BACKEND: '0',
      HAPROXY_FAGENT_MAX_BACKENDS_PER_INSTANCE: '-5',
      HAPROXY_FAGENT_ALLOWED_NETWORKS: '10.0.0.0/33,example.com,10.0.0.0/8',
    });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    message = (e as Error).message;
  }
  for (const key of [
    'HAPROXY_FAGENT_MAX_BODY_BYTES',
    'HAPROXY_FAGENT_MAX_SERVERS_PER_BACKEND',
    'HAPROXY_FAGENT_MAX_BACKENDS_PER_INSTANCE',
    'HAPROXY_FAGENT_ALLOWED_NETWORKS: "10.0.0.0/33" has a prefix length outside 0..32',
    'HAPROXY_FAGENT_ALLOWED_NETWORKS: "example.com" is not an IPv4 or IPv6 network',
  ]) {
    expect(message).toContain(key);
  }
  expect(message).not.toContain('10.0.0.0/8"');
});
