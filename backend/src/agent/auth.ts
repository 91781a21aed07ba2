import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when the Authorization header carries the agent's bearer token. Both sides are hashed
 * first so the comparison takes the same time whatever the length or content of the guess.
 */
export function isAuthorized(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    return false;
  }
  return timingSafeEqual(digest(match[1]), digest(token));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
