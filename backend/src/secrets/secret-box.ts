import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../config';

/** A stored secret that cannot be opened with the configured keys: a configuration problem, never garbage. */
export class SecretsError extends ConfigError {}

const SCHEME = 'aes256gcm:v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Names a key in a sealed value without revealing anything usable about it. */
export const keyId = (key: Buffer) =>
  createHash('sha256').update('haproxy-control secrets key id\0').update(key).digest('hex').slice(0, 8);

/**
 * Secrets at rest (agent tokens): AES-256-GCM under SECRETS_KEY, stored as `aes256gcm:v1:<key id>:<base64url of
 * IV, ciphertext and tag>`. The key id says which key sealed a value, so rotation (SECRETS_KEY_PREVIOUS opens
 * what the old key sealed) and a wrong key give a clear error instead of a trial. Without a key, secrets are
 * stored as they are, and a sealed one cannot be opened.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId?: string;

  constructor(keys: { current?: Buffer; previous?: Buffer } = {}) {
    if (keys.previous) {
      this.keys.set(keyId(keys.previous), keys.previous);
    }
    if (keys.current) {
      this.currentId = keyId(keys.current);
      this.keys.set(this.currentId, keys.current);
    }
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(`${SCHEME}:`);
  }

  /** What to store for a secret: sealed under SECRETS_KEY, or as it is without one. */
  seal(secret: string): string {
    if (!this.currentId) {
      return secret;
    }
    const header = `${SCHEME}:${this.currentId}`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv).setAAD(Buffer.from(header));
    const sealed = Buffer.concat([iv, cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${header}:${sealed.toString('base64url')}`;
  }

  /** The secret of a stored value (one stored as it is comes back as it is); a SecretsError when it cannot be. */
  open(stored: string): string {
    if (!SecretBox.isSealed(stored)) {
      return stored;
    }
    const [, , id, payload] = stored.split(':');
    const key = this.keys.get(id);
    if (!key) {
      throw new SecretsError(
        this.currentId
          ? `encrypted with key ${id}, which is neither SECRETS_KEY (${this.currentId}) nor SECRETS_KEY_PREVIOUS`
          : `encrypted with key ${id}, but SECRETS_KEY is not set`
      );
    }
    const bytes = Buffer.from(payload ?? '', 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) {
      throw new SecretsError(`encrypted value under key ${id} is truncated`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES))
        .setAAD(Buffer.from(`${SCHEME}:${id}`))
        .setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretsError(`encrypted value under key ${id} does not authenticate: it was altered`);
    }
  }

  /**
   * What to store instead of a stored value so it is sealed under SECRETS_KEY (a plain one, or one sealed
   * under SECRETS_KEY_PREVIOUS), or undefined when it already is, or when there is no key to seal with.
   */
  reseal(stored: string): string | undefined {
    const secret = this.open(stored);
    if (!this.currentId || stored.startsWith(`${SCHEME}:${this.currentId}:`)) {
      return undefined;
    }
    return this.seal(secret);
  }
}
