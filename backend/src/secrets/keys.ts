/** A 256-bit key as SECRETS_KEY gives it: 64 hex digits, or base64 (or base64url) of 32 bytes. */
export function parseSecretsKey(text: string): Buffer | string {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) {
    return Buffer.from(t, 'hex');
  }
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)) {
    const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) {
      return key;
    }
  }
  return 'must be 32 random bytes as 64 hex digits or base64 (e.g. the output of `openssl rand -base64 32`)';
}
