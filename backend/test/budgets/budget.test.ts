import {
  breachedScope,
  budgetView,
  effectiveMin,
  parseMinAvailable,
  previewTakeOuts,
  refusalMessage,
  ScopeState,
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

const scope = (over: Partial<ScopeState> = {}): ScopeState => ({
  scope: 'backend',
  id: 1,
  label: 'backend web of edge-1',
  backend: 'web',
  instance: 'edge-1',
  min: 5,
  available: 6,
  ...over,
});

describe('the decision', () => {
  test('a take-out is refused when it would leave fewer than the minimum, by the first scope that would', () => {
    expect(breachedScope([scope({ available: 6 })])).toBeUndefined();
    expect(breachedScope([scope({ available: 5 })])?.id).toBe(1);
    const app = scope({ scope: 'application', id: 9, label: 'application shop', min: 2, available: 2 });
    expect(breachedScope([scope({ available: 9 }), app])).toBe(app);
  });

  test('the refusal names the scope, the numbers and the servers', () => {
    expect(refusalMessage(scope({ available: 5 }), ['web-03', 'web-04'])).toBe(
      'backend web of edge-1: 5 available, minimum 5; refused web-03, web-04'
    );
  });
});

describe('a dry run', () => {
  const server = (id: number, over: Partial<Parameters<typeof previewTakeOuts>[0][number]> = {}) => ({
    id,
    name: `web-${id}`,
    adminState: 'ready' as const,
    available: true,
    initialWeight: null,
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
});
