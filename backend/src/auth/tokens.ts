import { createHash, randomBytes } from 'node:crypto';
import { Role, ROLES } from '../domain/roles';
import type { Db } from '../db/db';
import type { Logger } from '../logger';
import {
  ActiveToken,
  CheckedToken,
  ensureConfiguredToken,
  releaseConfiguredHashes,
  tokenNameOfHash,
  findActiveToken,
  insertToken,
  listTokens,
  recordTokenUse,
  revokeToken,
  TOKEN_USE_EVERY_MS,
  TokenRow,
} from '../store/tokens';
import { ConfigError } from '../config';
import { recordAdminChange } from '../store/admin-changes';
import { TokenCache, tokensChangedHere } from './token-cache';

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** 32 random bytes: high entropy, so a plain SHA-256 (no slow KDF) is a safe stored form. */
export const generateToken = () => `hpx_${randomBytes(32).toString('base64url')}`;

/** A token the service's configuration asks for (BOOTSTRAP_ADMIN_TOKEN, BOOTSTRAP_GRAFANA_*_TOKEN). */
export interface ConfiguredToken {
  name: string;
  role: Role;
  grafana: boolean;
  token: string;
  /** The setting that gives it. */
  variable: string;
}

/** The configured tokens, by the names they are stored under. */
export function configuredTokens(c: {
  bootstrapAdminToken?: string;
  bootstrapGrafanaTokens: Partial<Record<Role, string>>;
}): ConfiguredToken[] {
  const grafana = ROLES.flatMap((role) => {
    const token = c.bootstrapGrafanaTokens[role];
    const variable = `BOOTSTRAP_GRAFANA_${role.toUpperCase()}_TOKEN`;
    return token ? [{ name: `grafana-${role}`, role, grafana: true, token, variable }] : [];
  });
  const admin = c.bootstrapAdminToken
    ? [
        {
          name: 'bootstrap-admin',
          role: 'admin' as const,
          grafana: false,
          token: c.bootstrapAdminToken,
          variable: 'BOOTSTRAP_ADMIN_TOKEN',
        },
      ]
    : [];
  return [...admin, ...grafana];
}

/** API tokens: made, checked and revoked here; the clear token exists only in the caller's hands. */
export class TokenStore {
  /** Token uses being recorded, by token id: one write at a time each. */
  private readonly recording = new Map<number, Promise<void>>();

  /**
   * `checks`: where requests' tokens are read (a pool of their own: a check never waits behind the syncs'
   * connections); `cache`: checked tokens kept while it listens to token changes (token-cache.ts); `db` writes,
   * a token's use included, after the request's check and outside its time.
   */
  constructor(
    private readonly db: Db,
    private readonly o: { checks?: Db; cache?: TokenCache; log?: Logger } = {}
  ) {}

  /**
   * Creates a token and returns it in clear, the only time it is ever visible; `by` (an API actor, `cli`) is kept,
   * and the creation logged (admin_changes) in the same transaction, without the token or its hash.
   */
  async create(
    name: string,
    role: Role,
    o: { grafana?: boolean; token?: string; by?: string; expiresAt?: Date } = {}
  ): Promise<{ token: string; record: TokenRow }> {
    const token = o.token ?? generateToken();
    const record = await this.db.transaction(async (tx) => {
      const row = await insertToken(tx, {
        name,
        role,
        hash: hashToken(token),
        grafana: o.grafana ?? false,
        createdBy: o.by ?? 'cli',
        expiresAt: o.expiresAt,
      });
      await recordAdminChange(tx, {
        actor: row.created_by ?? 'cli',
        entityKind: 'api_token',
        entityId: row.id,
        entityName: row.name,
        action: 'created',
        summary: `API token ${row.name} created (${row.role}${row.grafana ? ', for Grafana' : ''})`,
        before: null,
        after: { name: row.name, role: row.role, grafana: row.grafana, expires_at: row.expires_at },
      });
      return row;
    });
    return { token, record };
  }

  /** Revokes an active token, logged (admin_changes) with it; false when there is none of that name. */
  async revoke(name: string, by = 'cli'): Promise<boolean> {
    const revoked = await this.db.transaction(async (tx) => {
      const row = await revokeToken(tx, name, by);
      if (row) {
        await recordAdminChange(tx, {
          actor: by,
          entityKind: 'api_token',
          entityId: row.id,
          entityName: name,
          action: 'revoked',
          summary: `API token ${name} (${row.role}) revoked`,
          before: { revoked: false },
          after: { revoked: true },
        });
      }
      return row !== undefined;
    });
    // Once committed: a check from now on must read it again.
    tokensChangedHere();
    return revoked;
  }

  list(): Promise<TokenRow[]> {
    return listTokens(this.db);
  }

  /**
   * The active token: from the cache while it listens to token changes, else read. A revocation made in this
   * process is refused from the moment it returns; one made elsewhere from the moment its NOTIFY arrives.
   */
  async verify(token: string): Promise<ActiveToken | null> {
    const hash = hashToken(token);
    const cache = this.o.cache;
    let found = cache?.get(hash);
    if (!found) {
      const begun = cache?.begin();
      found = (await findActiveToken(this.o.checks ?? this.db, hash)) ?? undefined;
      if (!found) {
        return null;
      }
      cache?.keep(hash, found, begun);
    }
    // A cached token expires by the clock: no change to the table announces it.
    if (found.expiresAt && found.expiresAt.getTime() <= Date.now()) {
      return null;
    }
    if (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() >= TOKEN_USE_EVERY_MS) {
      this.recordUse(found);
    }
    const { lastUsedAt: _, ...active } = found;
    return active;
  }

  /** Waits for the token uses being recorded (tests; a stopping service). */
  async settled(): Promise<void> {
    await Promise.all(this.recording.values());
  }

  private recordUse(token: CheckedToken): void {
    const { id } = token;
    if (this.recording.has(id)) {
      return;
    }
    const write = recordTokenUse(this.db, id)
      .then(() => {
        token.lastUsedAt = new Date(); // a cached token: not recorded again within the minute
      })
      .catch((err: Error) => this.o.log?.warn({ token_id: id, err: err.message }, 'token use not recorded'))
      .finally(() => this.recording.delete(id));
    this.recording.set(id, write);
  }

  /**
   * Makes sure each configured token exists (kept in step while active, so changing a variable rotates it);
   * a revoked one stays revoked, so revoking a bootstrap token sticks. Returns the names that are revoked.
   */
  async ensureConfigured(tokens: readonly ConfiguredToken[]): Promise<string[]> {
    const hashed = tokens.map((t) => ({ ...t, hash: hashToken(t.token) }));
    const revoked = await this.db.transaction(async (tx) => {
      // Values moved between the configured tokens (viewer's and operator's swapped) are free to take.
      await releaseConfiguredHashes(
        tx,
        hashed.map((t) => t.name),
        hashed.map((t) => t.hash)
      );
      const out: string[] = [];
      for (const t of hashed) {
        const holder = await tokenNameOfHash(tx, t.hash);
        if (holder !== undefined && holder !== t.name) {
          throw new ConfigError(
            `${t.variable}: its value is already the value of the API token "${holder}": give it a value of its own`
          );
        }
        if (!(await ensureConfiguredToken(tx, t))) {
          out.push(t.name);
        }
      }
      return out;
    });
    tokensChangedHere(); // a rotated token's old hash must not stay checked
    return revoked;
  }
}
