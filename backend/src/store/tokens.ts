import type { Role } from '../domain/roles';
import type { Db } from '../db/db';

/** An API token as stored: only its SHA-256 is kept, and that never leaves this module. */
export interface TokenRow {
  id: number;
  name: string;
  role: Role;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export type ActiveToken = Pick<TokenRow, 'id' | 'name' | 'role'>;

const COLUMNS = 'id, name, role, created_at, last_used_at, revoked_at';

export async function insertToken(db: Db, name: string, role: Role, hash: string): Promise<TokenRow> {
  const [row] = await db.query<TokenRow>(
    `INSERT INTO api_tokens (name, role, token_hash) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
    [name, role, hash]
  );
  return row;
}

export async function revokeToken(db: Db, name: string): Promise<boolean> {
  return (
    (await db.execute(`UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL`, [name])) > 0
  );
}

export function listTokens(db: Db): Promise<TokenRow[]> {
  return db.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY id`);
}

/** The active token with this hash; its use is recorded at most once a minute (one cheap read on busy tokens). */
export async function findActiveToken(db: Db, hash: string): Promise<ActiveToken | null> {
  const [touched] = await db.query<ActiveToken>(
    `UPDATE api_tokens SET last_used_at = now()
      WHERE token_hash = $1 AND revoked_at IS NULL
        AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
      RETURNING id, name, role`,
    [hash]
  );
  if (touched) {
    return touched;
  }
  const [found] = await db.query<ActiveToken>(
    `SELECT id, name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
    [hash]
  );
  return found ?? null;
}

/** The token named `bootstrap-admin`, created or set to this hash (kept in step with BOOTSTRAP_ADMIN_TOKEN). */
export async function upsertBootstrapAdmin(db: Db, hash: string): Promise<void> {
  await db.execute(
    `INSERT INTO api_tokens (name, token_hash, role) VALUES ('bootstrap-admin', $1, 'admin')
     ON CONFLICT (name) DO UPDATE SET token_hash = EXCLUDED.token_hash, role = 'admin', revoked_at = NULL`,
    [hash]
  );
}
