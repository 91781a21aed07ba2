import {
  BackendPart,
  budgetView,
  effectiveMin,
  parseMinAvailable,
  previewTakeOuts,
  refusalMessage,
  scopeCount,
  ScopeState,
  takeOutOf,
  takesOut,
} from '../../src/domain/budget';

describe('a minimum as the API and the environment write it', () => {
  test.each<[unknown, unknown]>([
    [5, { count: 5 }],
    [0, { count: 0 }],
    ['50%', { percent: 50 }],
    ['0%', { percent: 0 }],
    ['100%', { percent: 100 }],
    ['7', { count: 7 }],
  ])('%p is %p', (v, expected) => {
    expect(parseMinAvailable(v)).toEqual(expected);
  });

  test.each([-1, 1.5, '101%', '-5%', '5.5%', 'half', '', null, true, {}, [3]])('%p is refused with a reason', (v) => {
    expect(typeof parseMinAvailable(v)).toBe('string');
  });

  test('a percentage outside 0-100 says so', () => {
    expect(parseMinAvailable('150%')).toMatch(/0% to 100%/);
  });
});

describe('the count a minimum means', () => {
  test('a percentage rounds up: at least that share', () => {
    expect(effectiveMin({ percent: 50 }, 5, 'backend')).toBe(3);
    expect(effectiveMin({ percent: 50 }, 10, 'backend')).toBe(5);
    expect(effectiveMin({ percent: 1 }, 10, 'backend')).toBe(1);
    expect(effectiveMin({ percent: 0 }, 10, 'backend')).toBe(0);
  });

  test('the default asks at most for every server (an empty backend needs none); a set count stands as it is', () => {
    expect(effectiveMin({ count: 1 }, 0, 'default')).toBe(0);
    expect(effectiveMin({ count: 3 }, 2, 'default')).toBe(2);
    expect(effectiveMin({ count: 3 }, 2, 'backend')).toBe(3);
  });

  test('a budget view says whether it holds', () => {
    expect(
      budgetView('backend', 7, { value: { percent: 50 }, source: 'backend' }, { counted: 10, available: 4 })
    ).toEqual({
      scope: 'backend',
      id: 7,
      min_available: '50%',
      source: 'backend',
      effective_min: 5,
      servers_counted: 10,
      available: 4,
      ok: false,
    });
    expect(budgetView('application', 2, undefined, { counted: 3, available: 0 })).toMatchObject({
      min_available: null,
      source: 'default',
      effective_min: 0,
      ok: true,
    });
  });
});

describe('which commands take a server out', () => {
  test.each<[Parameters<typeof takesOut>[0], number | string | undefined, boolean]>([
    ['drain', undefined, true],
    ['maint', undefined, true],
    ['shutdown-sessions', undefined, true],
    ['weight', 0, true],
    ['weight', '0%', true],
    ['weight', '00%', true],
    ['weight', '000', true],
    ['weight', 10, false],
    ['weight', '100%', false],
    ['ready', undefined, false],
  ])('%s %p: %p', (command, weight, out) => {
    expect(takesOut(command, weight)).toBe(out);
  });

  test.each<[string, number | null, boolean]>([
    ['50%', 1, true], // HAProxy: floor(1 x 50 / 100) = 0
    ['50%', 2, false],
    ['24%', 4, true],
    ['25%', 4, false],
    ['99%', null, true], // the configured weight unknown: it may be 1
    ['100%', null, false],
    ['0%', 256, true],
  ])('weight %s of a configured weight of %p takes it out: %p', (weight, initial, out) => {
    expect(takesOut('weight', weight, initial)).toBe(out);
  });
});

const tally = (available: number, n = available) => ({ n, available, said: available });

/** A backend's own part: `actives` available of `activeN`, `backups` available of `backupN`. */
const part = (backendId: number, actives: number, backups = 0, activeN = actives, backupN = backups): BackendPart => {
  const active = tally(actives, activeN);
  return { backendId, active, backup: tally(backups, backupN), backendActive: active };
};

const scope = (over: Partial<ScopeState> = {}): ScopeState => {
  const available = over.available ?? 6;
  return {
    scope: 'backend',
    id: 1,
    label: 'backend web of edge-1',
    backend: 'web',
    instance: 'edge-1',
    min: 5,
    available,
    parts: [part(1, available)],
    ...over,
  };
};

/** A scope as the guard builds it: its count from its parts. */
const counted = (over: Partial<ScopeState> & Pick<ScopeState, 'parts'>): ScopeState =>
  scope({ ...over, available: scopeCount(over.parts).available });

const active = (s: ScopeState, backendId = 1) => ({ backendId, backup: false, scopes: [s] });
const backup = (s: ScopeState, backendId = 1) => ({ backendId, backup: true, scopes: [s] });

describe('the decision', () => {
  test('a take-out is refused when it would leave fewer than the minimum, by the first scope that would', () => {
    expect(takeOutOf([active(scope({ available: 6 }))]).breached).toBeUndefined();
    expect(takeOutOf([active(scope({ available: 5 }))]).breached?.id).toBe(1);
    const app = scope({ scope: 'application', id: 9, label: 'application shop', min: 2, available: 2 });
    expect(takeOutOf([{ backendId: 1, backup: false, scopes: [scope({ available: 9 }), app] }]).breached).toBe(app);
  });

  test('the refusal names the scope, the numbers and the servers', () => {
    expect(refusalMessage(scope({ available: 5 }), ['web-03', 'web-04'])).toBe(
      'backend web of edge-1: 5 available, minimum 5; refused web-03, web-04'
    );
  });
});

describe('backup servers: a budget counts what can serve at once', () => {
  test('counted and available: the active servers; with none available, one available backup server', () => {
    expect(scopeCount([part(1, 3, 2, 4, 2)])).toEqual({ counted: 4, available: 3, stale: 0 });
    expect(scopeCount([part(1, 0, 2, 4, 2)])).toEqual({ counted: 4, available: 1, stale: 0 });
    expect(scopeCount([part(1, 0, 0, 4, 2)])).toEqual({ counted: 4, available: 0, stale: 0 });
    // Backup servers only: one serves at a time.
    expect(scopeCount([part(1, 0, 3, 0, 3)])).toEqual({ counted: 1, available: 1, stale: 0 });
    expect(scopeCount([])).toEqual({ counted: 0, available: 0, stale: 0 });
  });

  test('stale: what was said available beyond what the guard counts', () => {
    const stale: BackendPart = {
      backendId: 1,
      active: { n: 2, available: 0, said: 2 },
      backup: { n: 1, available: 0, said: 1 },
      backendActive: { n: 2, available: 0, said: 2 },
    };
    expect(scopeCount([stale])).toEqual({ counted: 2, available: 0, stale: 2 });
  });

  test("an application's backup server counts only when its backend has no active server available, of any application", () => {
    const own = (backendActive: number): BackendPart => ({
      backendId: 7,
      active: tally(0, 0),
      backup: tally(1),
      backendActive: tally(backendActive, 2),
    });
    expect(scopeCount([own(2)])).toMatchObject({ counted: 0, available: 0 });
    expect(scopeCount([own(0)])).toMatchObject({ counted: 0, available: 1 });
    expect(scopeCount([part(1, 2), own(0)])).toMatchObject({ counted: 2, available: 3 });
  });

  test('a backup server going out while an active one serves lowers nothing: never refused, even below the minimum', () => {
    const s = counted({ min: 3, parts: [part(1, 2, 1)] });
    expect(s.available).toBe(2);
    const { breached, after } = takeOutOf([backup(s)]);
    expect(breached).toBeUndefined();
    expect(after.get(s)).toBe(2);
  });

  test('the last active server going out while a backup server takes over keeps one serving', () => {
    const s = counted({ min: 1, parts: [part(1, 1, 1)] });
    expect(takeOutOf([active(s)]).breached).toBeUndefined();
    // Then the backup serves: it is the last one.
    const alone = counted({ min: 1, parts: [part(1, 0, 1, 1)] });
    expect(takeOutOf([backup(alone)]).breached).toBe(alone);
    // Without a backup the last active one is refused.
    expect(takeOutOf([active(counted({ min: 1, parts: [part(1, 1)] }))]).breached).toBeDefined();
  });

  test('two actives available, minimum 2: one active going out is refused though a backup server is up', () => {
    const s = counted({ min: 2, parts: [part(1, 2, 1)] });
    expect(takeOutOf([active(s)]).breached).toBe(s);
    expect(refusalMessage(s, ['a'])).toBe('backend web of edge-1: 2 available, minimum 2; refused a');
  });

  test("an active server going out lets another scope's backup server count in its backend", () => {
    const backend = counted({ min: 0, parts: [part(7, 1, 1)] });
    const app: ScopeState = counted({
      scope: 'application',
      id: 9,
      min: 1,
      parts: [{ backendId: 7, active: tally(0, 0), backup: tally(1), backendActive: tally(1) }],
    });
    expect(app.available).toBe(0);
    const { after } = takeOutOf([active(backend, 7)], [backend, app]);
    expect(after.get(app)).toBe(1);
    expect(after.get(backend)).toBe(1);
  });
});

describe('a dry run', () => {
  const server = (id: number, over: Partial<Parameters<typeof previewTakeOuts>[0][number]> = {}) => ({
    id,
    name: `web-${id}`,
    adminState: 'ready' as const,
    available: true,
    initialWeight: null,
    backendId: 1,
    backup: false,
    scopeKeys: ['backend:1'],
    ...over,
  });

  test('takes servers out in order until the budget would break, then refuses the rest; the counts go down', () => {
    const scopes = new Map([['backend:1', scope({ min: 2, available: 4 })]]);
    const verdicts = previewTakeOuts(
      [1, 2, 3, 4].map((i) => server(i)),
      'drain',
      undefined,
      scopes
    );
    expect(verdicts.map((v) => v.would)).toEqual(['take_out', 'take_out', 'refuse', 'refuse']);
    expect(verdicts[2].reason).toBe('backend web of edge-1: 2 available, minimum 2; refused web-3');
    expect(scopes.get('backend:1')!.available).toBe(2);
  });

  test('already in that state: skip; no available server taken out: apply; an application without a budget: none', () => {
    const scopes = new Map([['backend:1', scope({ min: 1, available: 1 })]]);
    const verdicts = previewTakeOuts(
      [
        server(1, { adminState: 'drain', available: false }),
        server(2, { adminState: 'ready', available: false }), // DOWN: nothing available goes
        server(3, { scopeKeys: ['backend:1', 'application:5'] }),
      ],
      'drain',
      undefined,
      scopes
    );
    expect(verdicts.map((v) => v.would)).toEqual(['skip', 'apply', 'refuse']);
    expect(previewTakeOuts([server(4)], 'ready', undefined, scopes)[0]).toEqual({
      id: 4,
      would: 'skip',
      reason: 'already ready',
    });
    expect(previewTakeOuts([server(5, { adminState: 'maint' })], 'ready', undefined, scopes)[0].would).toBe('apply');
  });

  test('backup servers: the last active one goes out as a backup takes over, which is then the last one serving', () => {
    const scopes = new Map([['backend:1', counted({ min: 1, parts: [part(1, 3, 1)] })]]);
    const verdicts = previewTakeOuts(
      [server(1), server(2), server(3), server(4, { backup: true })],
      'drain',
      undefined,
      scopes
    );
    // The third active one goes as the backup takes over; the backup is then the last one serving.
    expect(verdicts.map((v) => v.would)).toEqual(['take_out', 'take_out', 'take_out', 'refuse']);
    expect(verdicts[3].reason).toBe('backend web of edge-1: 1 available, minimum 1; refused web-4');
    expect(scopes.get('backend:1')!.available).toBe(1);
  });
});
