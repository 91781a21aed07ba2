import { EntitySchema } from 'typeorm';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** An API token; only its SHA-256 is stored. */
export interface ApiToken {
  id: number;
  name: string;
  tokenHash: string;
  role: Role;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const ApiTokenEntity = new EntitySchema<ApiToken>({
  name: 'ApiToken',
  tableName: 'api_tokens',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'text', unique: true },
    tokenHash: { name: 'token_hash', type: 'text', unique: true },
    role: { type: 'text' },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    lastUsedAt: { name: 'last_used_at', type: 'timestamptz', nullable: true },
    revokedAt: { name: 'revoked_at', type: 'timestamptz', nullable: true },
  },
});
