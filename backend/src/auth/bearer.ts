import { AppError } from '../domain/errors';

/** The token of an `Authorization: Bearer <token>` header; a 401 when there is none. */
export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    throw new AppError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
  }
  return match[1];
}

export const invalidToken = () => new AppError(401, 'unauthorized', 'invalid or revoked token');
