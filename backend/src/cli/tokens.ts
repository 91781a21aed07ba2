#!/usr/bin/env node
import { tokenName } from '../domain/plain-text';
import { TokenStore } from '../auth/tokens';
import { loadConfig } from '../config';
import { openDatabase } from '../db/data-source';
import { PoolDb } from '../db/db';
import { startEmbeddedPostgres } from '../db/embedded';
import { ROLES, Role } from '../domain/roles';
import { toHttpError } from '../http/errors';
import { createLogger } from '../logger';

const USAGE = `usage:
  haproxy-control-tokens create <name> <viewer|operator|admin> [--grafana]   prints the new token once
  haproxy-control-tokens revoke <name>
  haproxy-control-tokens list
--grafana: a token for Grafana's plugin proxy, the only kind whose X-Grafana-User header is recorded as the
actor (grafana:<login>); any other token is recorded as token:<name> whatever it sends.
Uses DATABASE_URL, or the embedded PostgreSQL in DATA_DIR (stop the service first: one server per data directory).`;

type TokenCommand =
  { cmd: 'create'; name: string; role: Role; grafana: boolean } | { cmd: 'revoke'; name: string } | { cmd: 'list' };

/** The command line as a command, or why it is not one. */
export function parseTokenCommand(argv: readonly string[]): TokenCommand | string {
  const flags = argv.filter((a) => a.startsWith('--'));
  const [cmd, name, role, ...extra] = argv.filter((a) => !a.startsWith('--'));
  const unknown = flags.filter((f) => f !== '--grafana' || cmd !== 'create');
  if (unknown.length > 0) {
    return `unknown option ${unknown[0]}`;
  }
  if (cmd === 'list' && name === undefined) {
    return { cmd };
  }
  if (cmd === 'revoke' && name && role === undefined) {
    return { cmd, name };
  }
  if (cmd === 'create' && name && extra.length === 0) {
    // The API's rule: a tab or a newline would break `list` and the audit actor token:<name>.
    const checked = tokenName.safeParse(name);
    if (!checked.success) {
      return `name ${checked.error.issues[0].message}`;
    }
    if (!ROLES.includes(role as Role)) {
      return `role must be one of ${ROLES.join(', ')}`;
    }
    return { cmd, name: checked.data, role: role as Role, grafana: flags.includes('--grafana') };
  }
  return 'expected create, revoke or list';
}

/** Creates, revokes and lists API tokens; the clear token is printed once and never stored. */
async function main(argv: string[]): Promise<number> {
  const command = parseTokenCommand(argv);
  if (typeof command === 'string') {
    console.error(`${command}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const log = createLogger('warn');
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
  const ds = await openDatabase({ url: config.databaseUrl ?? embedded!.url, poolSize: 2 });
  try {
    const store = new TokenStore(new PoolDb(ds));
    if (command.cmd === 'create') {
      const created = await store.create(command.name, command.role, { grafana: command.grafana }).catch((err) => {
        // A unique name, revoked tokens' included: say so rather than PostgreSQL's constraint.
        if (toHttpError(err).status === 409) {
          return null;
        }
        throw err;
      });
      if (!created) {
        console.error(`a token named "${command.name}" already exists (revoked ones keep their name): choose another`);
        return 1;
      }
      console.log(created.token);
    } else if (command.cmd === 'revoke') {
      if (!(await store.revoke(command.name))) {
        console.error(`no active token named "${command.name}"`);
        return 1;
      }
      console.log(`revoked ${command.name}`);
    } else {
      for (const t of await store.list()) {
        console.log(
          [
            t.name,
            t.role,
            t.grafana ? 'grafana' : 'api',
            t.revoked_at
              ? `revoked by ${t.revoked_by ?? 'unknown'}`
              : t.expires_at && t.expires_at.getTime() <= Date.now()
                ? 'expired' // refused as a revoked one is
                : 'active',
            `created by ${t.created_by ?? 'unknown'}`,
            `last used ${t.last_used_at?.toISOString() ?? 'never'}`,
            `expires ${t.expires_at?.toISOString() ?? 'never'}`,
          ].join('\t')
        );
      }
    }
    return 0;
  } finally {
    await ds.destroy();
    await embedded?.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error((err as Error).message);
      process.exit(1);
    }
  );
}
