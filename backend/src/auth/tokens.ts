import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../domain/roles';
import type { Db } from '../db/db';
import {
  ActiveToken,
  findActiveToken,
  insertToken,
  listTokens,
  revokeToken,
  TokenRow,
  upsertBootstrapAdmin,
} from '../store/tokens';

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** 32 random bytes: high entropy, so a plain SHA-256 (no slow KDF) is a safe stored form. */
export const generateToken = () => `hpx_${randomBytes(32).toString('base64url')}`;

/** API tokens: made, checked and revoked here; the clear token exists only in the caller's hands. */
export class TokenStore {
  constructor(private readonly db: Db) {}

  /** Creates a token and returns it in clear, the only time it is ever visible. */
  async create(name: string, role: Role, token = generateToken()): Promise<{ token: string; record: TokenRow }> {
    return { token, record: await insertToken(this.db, name, role, hashToken(token)) };
  }

  revoke(name: string): Promise<boolean> {
    return revokeToken(this.db, name);
  }

  list(): Promise<TokenRow[]> {
    return listTokens(this.db);
  }

  verify(token: string): Promise<ActiveToken | null> {
    return findActiveToken(this.db, hashToken(token));
  }

  /** The first admin token from BOOTSTRAP_ADMIN_TOKEN; kept in step if the variable changes. */
  ensureBootstrapAdmin(token: string): Promise<void> {
    return upsertBootstrapAdmin(this.db, hashToken(token));
  }
}
