import { BulkCommands } from '../../src/commands/bulk';
import type { ServerCommands } from '../../src/commands/server-command';
import type { Db } from '../../src/db/db';
import { notFound } from '../../src/domain/errors';

/**
 * A server whose command throws before its audit row (deleted by its turn, the database gone) is answered beside
 * the others with the code the API would give it alone, not a bare message.
 */
test('a server command that throws is answered with its code, the others as they went', async () => {
  const commands = {
    execute: async (serverId: number) => {
      if (serverId === 2) {
        throw notFound('server 2 not found');
      }
      if (serverId === 3) {
        throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      }
      return { ok: true, action: { id: 10 + serverId, note: null }, error: undefined };
    },
  } as unknown as ServerCommands;
  const bulk = new BulkCommands({} as Db, commands);
  const { results } = await bulk.execute([1, 2, 3], 'drain', { actor: 'token:t', source: 'bulk' } as never, 3);
  expect(results.map((r) => [r.serverId, r.ok, r.errorCode ?? null])).toEqual([
    [1, true, null],
    [2, false, 'not_found'],
    [3, false, 'database_unavailable'],
  ]);
});
