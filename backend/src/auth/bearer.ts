import type { IncomingMessage } from 'node:http';
import { AppError } from '../domain/errors';

/**
 * The token of a request's `Authorization: Bearer <token>` header; a 401 when there is none, or more than one:
 * Node keeps only the first of repeated headers, and a proxy in front may read another one. Which credentials
 * a request carries must not depend on who reads it.
 */
export function bearerToken(req: IncomingMessage): string {
  if (headerCount(req.rawHeaders, 'authorization') > 1) {
    throw new AppError(401, 'unauthorized', 'more than one Authorization header: send exactly one');
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match) {
    throw new AppError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
  }
  return match[1];
}

export const invalidToken = () => new AppError(401, 'unauthorized', 'invalid or revoked token');

/** How many times a header came (rawHeaders alternates names and values, names as sent). */
function headerCount(rawHeaders: readonly string[], name: string): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === name) {
      n++;
    }
  }
  return n;
}
