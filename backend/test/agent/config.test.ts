import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentConfigError, loadAgentConfig, parseAgentConfig } from '../../src/agent/config';
import { parseRuntimeApiAddress } from '../../src/agent/runtime-api';
import { certificateDir, makeCertificate } from '../support/tls';

describe('parseRuntimeApiAddress', () => {
  it('reads the stats socket address forms', () => {
    expect(parseRuntimeApiAddress('/run/haproxy/admin.sock')).toEqual({
      kind: 'unix',
      path: '/run/haproxy/admin.sock',
    });
    expect(parseRuntimeApiAddress('unix@/run/haproxy/admin.sock')).toEqual({
      kind: 'unix',
      path: '/run/haproxy/admin.sock',
    });
    expect(parseRuntimeApiAddress('ipv4@127.0.0.1:9999')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9999 });
    expect(parseRuntimeApiAddress('ipv4@lb1.example.com:9999')).toEqual({
      kind: 'tcp',
      host: 'lb1.example.com',
      port: 9999,
    });
    expect(parseRuntimeApiAddress('ipv6@[::1]:9999')).toEqual({ kind: 'tcp', host: '::1', port: 9999 });
  });

  it.each([
    'admin.sock',
    'unix@relative.sock',
    '127.0.0.1:9999',
    'ipv4@127.0.0.1',
    'ipv4@127.0.0.1:0',
    'ipv6@[nope]:1',
    '',
  ])('refuses %p', (text) => {
    expect(() => parseRuntimeApiAddress(text)).toThrow();
  });
});

describe('parseAgentConfig', () => {
  const token = 'tok-0123456789abcdef';

  it('applies defaults', () => {
    const config = parseAgentConfig({ token, instances: { main: '/run/haproxy/admin.sock' } });
    expect(config).toEqual({
      listen: { host: '127.0.0.1', port: 9102 },
      token,
      requestTimeoutMs: 3000,
      snapshotReuseMs: 500,
      logLevel: 'info',
      instances: new Map([['main', { kind: 'unix', path: '/run/haproxy/admin.sock' }]]),
    });
  });

  it('lets AGENT_TOKEN override the file', () => {
    const config = parseAgentConfig({ token: 'short', instances: { a: '/x.sock' } }, { AGENT_TOKEN: token });
    expect(config.token).toBe(token);
  });

  it.each([
    ['a space', 'tok 0123456789 abcdef'],
    ['a tab', 'tok\t0123456789abcdef'],
    ['non-ASCII', 'tok-0123456789abcdéf'],
    ['a control character', 'tok-0123456789abc\u0001def'],
  ])('refuses a token with %s: "Bearer <token>" could never carry it', (_label, bad) => {
    const instances = { a: '/x.sock' };
    expect(() => parseAgentConfig({ token: bad, instances })).toThrow(/token: use printable ASCII without spaces/);
    expect(() => parseAgentConfig({ instances }, { AGENT_TOKEN: bad })).toThrow(/token: use printable ASCII/);
    // Surrounding whitespace is trimmed; every visible ASCII character is fine.
    const visible = ' !"#$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~ ';
    expect(parseAgentConfig({ token: visible, instances }).token).toBe(visible.trim());
  });

  it('lists every problem at once', () => {
    let message = '';
    try {
      parseAgentConfig({ token: 'short', instances: { a: 'not-an-address', b: 'ipv4@1.2.3.4:1' } });
    } catch (err) {
      expect(err).toBeInstanceOf(AgentConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/token/);
    expect(message).toMatch(/instances\.a/);
    expect(message).not.toMatch(/instances\.b/);
  });

  it('takes snapshot_reuse_ms from 0 (off) to 60 s', () => {
    const instances = { a: '/x.sock' };
    expect(parseAgentConfig({ token, instances, snapshot_reuse_ms: 0 }).snapshotReuseMs).toBe(0);
    expect(() => parseAgentConfig({ token, instances, snapshot_reuse_ms: -1 })).toThrow(/snapshot_reuse_ms/);
    expect(() => parseAgentConfig({ token, instances, snapshot_reuse_ms: 60_001 })).toThrow(/snapshot_reuse_ms/);
  });

  it('refuses unknown keys and missing instances', () => {
    expect(() => parseAgentConfig({ token, instances: {} })).toThrow(/at least one instance/);
    expect(() => parseAgentConfig({ token, instances: { a: '/x' }, listen: { port: 1, hots: 'x' } })).toThrow(/listen/);
    expect(() => parseAgentConfig({ token, instance: { a: '/x' } })).toThrow(AgentConfigError);
  });

  it('listen.tls: reads the certificate and key, and names each file it cannot use', () => {
    const dir = certificateDir();
    try {
      const one = makeCertificate(dir, 'one');
      const two = makeCertificate(dir, 'two');
      const instances = { a: '/x.sock' };
      const tls = (cert_file: string, key_file: string) =>
        parseAgentConfig({ token, instances, listen: { tls: { cert_file, key_file } } }).listen;
      expect(tls(one.certFile, one.keyFile)).toEqual({
        host: '127.0.0.1',
        port: 9102,
        tls: { cert: one.cert, key: one.key },
      });
      expect(() => tls(join(dir, 'no.crt'), join(dir, 'no.key'))).toThrow(
        /listen\.tls\.cert_file: cannot read .*no\.crt[^]*listen\.tls\.key_file: cannot read .*no\.key/
      );
      expect(() => tls(one.certFile, two.keyFile)).toThrow(
        /listen\.tls: the certificate and key cannot be used together/
      );
      expect(() => parseAgentConfig({ token, instances, listen: { tls: { cert_file: one.certFile } } })).toThrow(
        /listen\.tls\.key_file/
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads YAML files and explains unreadable ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    try {
      const file = join(dir, 'agent.yaml');
      writeFileSync(
        file,
        `listen:\n  host: 0.0.0.0\n  port: 9200\ntoken: ${token}\nrequest_timeout_ms: 500\ninstances:\n  edge-1.eu: /run/haproxy/admin.sock\n  edge:2: ipv4@127.0.0.1:9999\n`
      );
      const config = loadAgentConfig(file, {});
      expect(config.listen).toEqual({ host: '0.0.0.0', port: 9200 });
      expect([...config.instances.keys()]).toEqual(['edge-1.eu', 'edge:2']);
      expect(() => loadAgentConfig(join(dir, 'missing.yaml'), {})).toThrow(/Cannot read agent config/);
      writeFileSync(file, 'instances: [unclosed');
      expect(() => loadAgentConfig(file, {})).toThrow(/not valid YAML/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
