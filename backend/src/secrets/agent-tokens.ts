import type { Db } from '../db/db';
import type { Logger } from '../logger';
import { replaceStoredAgentToken, storedAgentTokens } from '../store/hosts';
import { SecretBox, SecretsError } from './secret-box';

/**
 * At start: every stored agent token sealed under SECRETS_KEY (plain ones from before the key, ones sealed
 * under SECRETS_KEY_PREVIOUS); a token no configured key opens stops the start with the hosts named, so a wrong
 * key is found here and never becomes garbage sent to an agent. Each row is replaced only if it is still what
 * was read (another replica may be doing the same).
 */
export async function sealStoredAgentTokens(db: Db, box: SecretBox, log: Logger): Promise<number> {
  const problems: string[] = [];
  let resealed = 0;
  for (const row of await storedAgentTokens(db)) {
    let next: string | undefined;
    try {
      next = box.reseal(row.fagent_token);
    } catch (err) {
      problems.push(`host "${row.name}" (${row.id}): ${(err as Error).message}`);
      continue;
    }
    if (next !== undefined && (await replaceStoredAgentToken(db, row.id, row.fagent_token, next))) {
      resealed++;
    }
  }
  if (problems.length > 0) {
    throw new SecretsError(
      `Agent tokens that cannot be decrypted: ${problems.join('; ')}. Set SECRETS_KEY to the key they were ` +
        'encrypted with (or SECRETS_KEY_PREVIOUS, with the new key as SECRETS_KEY, to rotate).'
    );
  }
  if (resealed > 0) {
    log.info({ hosts: resealed }, 'agent tokens encrypted under SECRETS_KEY');
  }
  return resealed;
}
