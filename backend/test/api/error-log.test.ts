import { loggableError } from '../../src/http/errors';
import { expectError, useHarness } from './helpers';

/** The log line of a 500: enough to find the cause, never the request's values. */
const h = useHarness();

test('a database failure: 500 internal, and the log line has the code and place but no value, query or body', async () => {
  // A real failure PostgreSQL reports with the row's values in its detail (and TypeORM with the parameters).
  await h.t.db.pool.execute(`ALTER TABLE applications ADD CONSTRAINT no_marker CHECK (name NOT LIKE '%MARKER%')`);
  const logged = jest.spyOn(h.t.service.log, 'error');
  try {
    // rawCall: a 500 is documented nowhere, on purpose.
    const res = await h.t.rawCall('POST', '/api/applications?secret=QUERY-MARKER', {
      body: { name: 'BODY-MARKER' },
    });
    expectError(res, 500, 'internal');
    expect(logged).toHaveBeenCalledTimes(1);
    const line = JSON.stringify(logged.mock.calls[0]);
    expect(line).not.toMatch(/MARKER/);
    expect(logged.mock.calls[0]).toEqual([
      {
        error: expect.objectContaining({
          type: 'QueryFailedError',
          code: '23514', // check_violation
          table: 'applications',
          constraint: 'no_marker',
          stack: expect.arrayContaining([expect.stringMatching(/^at .*applications\.ts:\d+:\d+\)?$/)]),
        }),
        path: '/api/applications',
        method: 'POST',
      },
      'request failed',
    ]);
  } finally {
    logged.mockRestore();
    await h.t.db.pool.execute(`ALTER TABLE applications DROP CONSTRAINT no_marker`);
  }
});

test('a deadlock (PostgreSQL rolled the change back): 409 saying nothing was changed and to try again, not a 500', async () => {
  await h.t.db.pool.execute(
    `CREATE FUNCTION fail_as_deadlock() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$`
  );
  await h.t.db.pool.execute(
    `CREATE TRIGGER deadlocked BEFORE INSERT ON applications FOR EACH ROW EXECUTE FUNCTION fail_as_deadlock()`
  );
  try {
    const res = await h.t.rawCall('POST', '/api/applications', { body: { name: 'collided' } });
    expectError(res, 409, 'conflict');
    expect(res.body.error.message).toMatch(/nothing was changed; try again/);
  } finally {
    await h.t.db.pool.execute(`DROP TRIGGER deadlocked ON applications`);
    await h.t.db.pool.execute(`DROP FUNCTION fail_as_deadlock()`);
  }
  expect((await h.t.call('POST', '/api/applications', { body: { name: 'collided' } })).status).toBe(201);
});

test('any other error: its kind and frames, not its message', () => {
  const err = new SyntaxError('Unexpected token \'s\', "secret body" is not valid JSON');
  const out = loggableError(err);
  expect(out).toEqual({ type: 'SyntaxError', stack: expect.any(Array) });
  expect(JSON.stringify(out)).not.toContain('secret');
  expect(loggableError(undefined)).toEqual({ type: 'undefined', stack: [] });
  expect(loggableError({ code: '22P02', message: 'invalid input syntax for type integer: "x"' })).toEqual({
    type: 'object',
    code: '22P02',
    stack: [],
  });
});
