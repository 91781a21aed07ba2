import type { Role } from '../domain/roles';
import type { Db } from '../db/db';

/** An API token as stored: only its SHA-256 is kept, and that never leaves this module. */
export interface TokenRow {
  id: number;
  name: string;
  role: Role;
  /** Made for Grafana's plugin proxy: the only kind whose X-Grafana-User header names the actor. */
  grafana: boolean;
  created_at: Date;
  /** Who created it: `grafana:<login>` / `token:<name>` (the API), `cli`, `config`; null from before it was kept. */
  created_by: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  /** Refused from then on; null: never expires. */
  expires_at: Date | null;
}

/** A token a request may use, as its check answers it. */
export type ActiveToken = Pick<TokenRow, 'id' | 'name' | 'role' | 'grafana'> & { expiresAt: Date | null };

const COLUMNS = 'id, name, role, grafana, created_at, created_by, last_used_at, revoked_at, revoked_by, expires_at';

export async function insertToken(
  db: Db,
  t: { name: string; role: Role; hash: string; grafana: boolean; createdBy: string; expiresAt?: Date | null }
): Promise<TokenRow> {
  const [row] = await db.query<TokenRow>(
    `INSERT INTO api_tokens (name, role, token_hash, grafana, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${COLUMNS}`,
    [t.name, t.role, t.hash, t.grafana, t.createdBy, t.expiresAt ?? null]
  );
  return row;
}

/** The token revoked (its id and role), or undefined when no active token has that name. */
export async function revokeToken(
  db: Db,
  name: string,
  revokedBy: string
): Promise<Pick<TokenRow, 'id' | 'role'> | undefined> {
  const [row] = await db.query<Pick<TokenRow, 'id' | 'role'>>(
    `UPDATE api_tokens SET revoked_at = now(), revoked_by = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING id, role`,
    [name, revokedBy]
  );
  return row;
}

export function listTokens(db: Db): Promise<TokenRow[]> {
  return db.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY id`);
}

/** An active token as a request's check reads it, with when its use was last recorded and when it expires. */
export type CheckedToken = ActiveToken & { lastUsedAt: Date | null };

/** The active token with this hash: a read only, which every API request makes (recordTokenUse writes). */
export async function findActiveToken(db: Db, hash: string): Promise<CheckedToken | null> {
  const [found] = await db.query<CheckedToken>(
    `SELECT id, name, role, grafana, last_used_at AS "lastUsedAt", expires_at AS "expiresAt" FROM api_tokens
      WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [hash]
  );
  return found ?? null;
}

/** How often a token's use is recorded, at most. */
export const TOKEN_USE_EVERY_MS = 60_000;

/** Records a token's use, unless one was recorded within the last minute (another replica's, say). */
export async function recordTokenUse(db: Db, id: number): Promise<void> {
  await db.execute(
    `UPDATE api_tokens SET last_used_at = now()
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2 * interval '1 millisecond')`,
    [id, TOKEN_USE_EVERY_MS]
  );
}

/**
 * A token named by configuration (BOOTSTRAP_*): created when missing, its hash, role and Grafana flag kept in
 * step with the configuration while it is active, and never re-enabled once revoked. False when it is revoked.
 */
/**
 * The configured tokens' rows give up the values the configuration now gives (to one of them, or another): each
 * takes its own again in ensureConfiguredToken. A revoked row keeps a placeholder, which no token hashes to.
 */
export async function releaseConfiguredHashes(db: Db, names: readonly string[], hashes: readonly string[]) {
  await db.query(
    `UPDATE api_tokens SET token_hash = 'released:' || id WHERE name = ANY($1::text[]) AND token_hash = ANY($2::text[])`,
    [names, hashes]
  );
}

/** The name of the token whose value hashes to `hash`, revoked or not. */
export async function tokenNameOfHash(db: Db, hash: string): Promise<string | undefined> {
  const [row] = await db.query<{ name: string }>(`SELECT name FROM api_tokens WHERE token_hash = $1`, [hash]);
  return row?.name;
}

export async function ensureConfiguredToken(
  db: Db,
  t: { name: string; role: Role; grafana: boolean; hash: string }
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO api_tokens (name, token_hash, role, grafana, created_by) VALUES ($1, $2, $3, $4, 'config')
     ON CONFLICT (name) DO UPDATE SET token_hash = EXCLUDED.token_hash, role = EXCLUDED.role, grafana = EXCLUDED.grafana
      WHERE api_tokens.revoked_at IS NULL
     RETURNING id`,
    [t.name, t.hash, t.role, t.grafana]
  );
  return rows.length > 0;
}
