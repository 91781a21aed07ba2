import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ApiToken, ApiTokenEntity, Role } from '../entities/api-token';

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** 32 random bytes: high entropy, so a plain SHA-256 (no slow KDF) is a safe stored form. */
export const generateToken = () => `hpx_${randomBytes(32).toString('base64url')}`;

export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export class TokenStore {
  constructor(private readonly ds: DataSource) {}

  /** Creates a token and returns it in clear, the only time it is ever visible. */
  async create(name: string, role: Role, token = generateToken()): Promise<{ token: string; record: ApiToken }> {
    const repo = this.ds.getRepository(ApiTokenEntity);
    const record = await repo.save(repo.create({ name, role, tokenHash: hashToken(token) }));
    return { token, record };
  }

  async revoke(name: string): Promise<boolean> {
    const result = await this.ds.query(
      `UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL`,
      [name]
    );
    return (result[1] ?? 0) > 0;
  }

  async list(): Promise<ApiToken[]> {
    return this.ds.getRepository(ApiTokenEntity).find({ order: { id: 'ASC' } });
  }

  async verify(token: string): Promise<ApiToken | null> {
    const [rows]: [ApiToken[], number] = await this.ds.query(
      `UPDATE api_tokens SET last_used_at = now()
        WHERE token_hash = $1 AND revoked_at IS NULL
          AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
        RETURNING id, name, role`,
      [hashToken(token)]
    );
    if (rows[0]) {
      return rows[0];
    }
    // Used within the last minute: no write needed (keeps auth at one cheap read on busy tokens).
    const found: ApiToken[] = await this.ds.query(
      `SELECT id, name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
      [hashToken(token)]
    );
    return found[0] ?? null;
  }

  /** The first admin token from BOOTSTRAP_ADMIN_TOKEN; kept in step if the variable changes. */
  async ensureBootstrapAdmin(token: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO api_tokens (name, token_hash, role) VALUES ('bootstrap-admin', $1, 'admin')
       ON CONFLICT (name) DO UPDATE SET token_hash = EXCLUDED.token_hash, role = 'admin', revoked_at = NULL`,
      [hashToken(token)]
    );
  }
}
