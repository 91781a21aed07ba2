#!/usr/bin/env node
import { TokenStore } from '../auth/tokens';
import { loadConfig } from '../config';
import { openDatabase } from '../db/data-source';
import { PoolDb } from '../db/db';
import { startEmbeddedPostgres } from '../db/embedded';
import { ROLES, Role } from '../domain/roles';
import { createLogger } from '../logger';

const USAGE = `usage:
  haproxy-control-tokens create <name> <viewer|operator|admin>   prints the new token once
  haproxy-control-tokens revoke <name>
  haproxy-control-tokens list
Uses DATABASE_URL, or the embedded PostgreSQL in DATA_DIR (stop the service first: one server per data directory).`;

/** Creates, revokes and lists API tokens; the clear token is printed once and never stored. */
async function main(argv: string[]): Promise<number> {
  const [cmd, name, role] = argv;
  if (!cmd || !['create', 'revoke', 'list'].includes(cmd) || (cmd !== 'list' && !name)) {
    console.error(USAGE);
    return 2;
  }
  if (cmd === 'create' && !ROLES.includes(role as Role)) {
    console.error(`role must be one of ${ROLES.join(', ')}\n${USAGE}`);
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
    if (cmd === 'create') {
      const { token } = await store.create(name, role as Role);
      console.log(token);
    } else if (cmd === 'revoke') {
      if (!(await store.revoke(name))) {
        console.error(`no active token named "${name}"`);
        return 1;
      }
      console.log(`revoked ${name}`);
    } else {
      for (const t of await store.list()) {
        console.log(
          `${t.name}\t${t.role}\t${t.revoked_at ? 'revoked' : 'active'}\tlast used ${t.last_used_at?.toISOString() ?? 'never'}`
        );
      }
    }
    return 0;
  } finally {
    await ds.destroy();
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error((err as Error).message);
    process.exit(1);
  }
);
