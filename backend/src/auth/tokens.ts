import { createHash, randomBytes } from 'node:crypto';
import { Role, ROLES } from '../domain/roles';
import type { Db } from '../db/db';
import {
  ActiveToken,
  ensureConfiguredToken,
  findActiveToken,
  insertToken,
  listTokens,
  revokeToken,
  TokenRow,
} from '../store/tokens';

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** 32 random bytes: high entropy, so a plain SHA-256 (no slow KDF) is a safe stored form. */
export const generateToken = () => `hpx_${randomBytes(32).toString('base64url')}`;

/** A token the service's configuration asks for (BOOTSTRAP_ADMIN_TOKEN, BOOTSTRAP_GRAFANA_*_TOKEN). */
export interface ConfiguredToken {
  name: string;
  role: Role;
  grafana: boolean;
  token: string;
}

/** The configured tokens, by the names they are stored under. */
export function configuredTokens(c: {
  bootstrapAdminToken?: string;
  bootstrapGrafanaTokens: Partial<Record<Role, string>>;
}): ConfiguredToken[] {
  const grafana = ROLES.flatMap((role) => {
    const token = c.bootstrapGrafanaTokens[role];
    return token ? [{ name: `grafana-${role}`, role, grafana: true, token }] : [];
  });
  const admin = c.bootstrapAdminToken
    ? [{ name: 'bootstrap-admin', role: 'admin' as const, grafana: false, token: c.bootstrapAdminToken }]
    : [];
  return [...admin, ...grafana];
}

/** API tokens: made, checked and revoked here; the clear token exists only in the caller's hands. */
export class TokenStore {
  constructor(private readonly db: Db) {}

  /** Creates a token and returns it in clear, the only time it is ever visible. */
  async create(
    name: string,
    role: Role,
    o: { grafana?: boolean; token?: string } = {}
  ): Promise<{ token: string; record: TokenRow }> {
    const token = o.token ?? generateToken();
    return { token, record: await insertToken(this.db, name, role, hashToken(token), o.grafana ?? false) };
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

  /**
   * Makes sure each configured token exists (kept in step while active, so changing a variable rotates it);
   * a revoked one stays revoked, so revoking a bootstrap token sticks. Returns the names that are revoked.
   */
  async ensureConfigured(tokens: readonly ConfiguredToken[]): Promise<string[]> {
    const revoked: string[] = [];
    for (const t of tokens) {
      if (!(await ensureConfiguredToken(this.db, { ...t, hash: hashToken(t.token) }))) {
        revoked.push(t.name);
      }
    }
    return revoked;
  }
}
