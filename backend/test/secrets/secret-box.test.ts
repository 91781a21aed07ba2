import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { parseSecretsKey } from '../../src/secrets/keys';
import { keyId, SecretBox, SecretsError } from '../../src/secrets/secret-box';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('SECRETS_KEY', () => {
  test('64 hex digits, base64 or base64url of 32 bytes', () => {
    expect(parseSecretsKey(k1.toString('hex'))).toEqual(k1);
    expect(parseSecretsKey(` ${k1.toString('base64')}\n`)).toEqual(k1);
    expect(parseSecretsKey(k1.toString('base64url'))).toEqual(k1);
  });

  test.each([
    '',
    'secret',
    'a'.repeat(63),
    'g'.repeat(64),
    randomBytes(16).toString('base64'),
    randomBytes(33).toString('base64'),
  ])('%j is refused', (text) => expect(parseSecretsKey(text)).toMatch(/must be 32 random bytes/));

  test('configuration: a bad key, a previous key alone, or twice the same key are errors', () => {
    expect(loadConfig({ SECRETS_KEY: k1.toString('hex') }).secretsKey).toEqual(k1);
    expect(() => loadConfig({ SECRETS_KEY: 'hunter2' })).toThrow(/SECRETS_KEY: must be 32 random bytes/);
    expect(() => loadConfig({ SECRETS_KEY_PREVIOUS: k1.toString('hex') })).toThrow(
      /SECRETS_KEY_PREVIOUS: needs SECRETS_KEY/
    );
    expect(() => loadConfig({ SECRETS_KEY: k1.toString('hex'), SECRETS_KEY_PREVIOUS: k1.toString('base64') })).toThrow(
      /SECRETS_KEY_PREVIOUS: must differ from SECRETS_KEY/
    );
  });
});

describe('SecretBox', () => {
  test('seals under the key (AES-256-GCM, a fresh IV each time) and opens it again', () => {
    const box = new SecretBox({ current: k1 });
    const a = box.seal('agent-token-é');
    const b = box.seal('agent-token-é');
    expect(a).toMatch(new RegExp(`^aes256gcm:v1:${keyId(k1)}:[A-Za-z0-9_-]+$`));
    expect(a).not.toBe(b);
    expect(a).not.toContain('agent-token');
    expect(box.open(a)).toBe('agent-token-é');
    expect(box.open(b)).toBe('agent-token-é');
  });

  test('without a key a secret is stored as it is, and a plain one opens as itself', () => {
    expect(new SecretBox().seal('plain')).toBe('plain');
    expect(new SecretBox({ current: k1 }).open('plain')).toBe('plain');
  });

  test('a sealed value never opens as garbage: no key, a wrong key, or altered bytes are errors', () => {
    const sealed = new SecretBox({ current: k1 }).seal('t');
    expect(() => new SecretBox().open(sealed)).toThrow(
      new SecretsError(`encrypted with key ${keyId(k1)}, but SECRETS_KEY is not set`)
    );
    expect(() => new SecretBox({ current: k2 }).open(sealed)).toThrow(
      `encrypted with key ${keyId(k1)}, which is neither SECRETS_KEY (${keyId(k2)}) nor SECRETS_KEY_PREVIOUS`
    );
    const bytes = Buffer.from(sealed.split(':')[3], 'base64url');
    bytes[14] ^= 1;
    const altered = `aes256gcm:v1:${keyId(k1)}:${bytes.toString('base64url')}`;
    expect(() => new SecretBox({ current: k1 }).open(altered)).toThrow(/does not authenticate/);
    // The key id is authenticated too: a value cannot be passed off as another key's.
    const relabelled = sealed.replace(keyId(k1), keyId(k2));
    expect(() => new SecretBox({ current: k2, previous: k1 }).open(relabelled)).toThrow(/does not authenticate/);
    expect(() => new SecretBox({ current: k1 }).open(`aes256gcm:v1:${keyId(k1)}:AAAA`)).toThrow(/truncated/);
  });

  test('rotation: the previous key opens, and reseal moves plain and previous values under the current key', () => {
    const old = new SecretBox({ current: k1 });
    const rotated = new SecretBox({ current: k2, previous: k1 });
    const underOld = old.seal('t1');
    expect(rotated.open(underOld)).toBe('t1');
    const moved = rotated.reseal(underOld)!;
    expect(moved).toMatch(`aes256gcm:v1:${keyId(k2)}:`);
    expect(new SecretBox({ current: k2 }).open(moved)).toBe('t1');
    expect(rotated.reseal(moved)).toBeUndefined();
    expect(rotated.open(rotated.reseal('plain')!)).toBe('plain');
    expect(new SecretBox().reseal('plain')).toBeUndefined();
    expect(() => new SecretBox({ current: k2 }).reseal(underOld)).toThrow(SecretsError);
  });
});
