import { takesOut } from './guard';

describe('which commands take a server out (the dry run is asked for them)', () => {
  test.each<[Parameters<typeof takesOut>[0], number | string | undefined, boolean]>([
    ['drain', undefined, true],
    ['maint', undefined, true],
    ['shutdown-sessions', undefined, true],
    ['weight', 0, true],
    ['weight', '0%', true],
    ['weight', '00%', true],
    ['weight', 10, false],
    ['weight', '50%', false],
    ['weight', undefined, false],
    ['ready', undefined, false],
  ])('%s %p: %p', (command, weight, out) => {
    expect(takesOut(command, weight)).toBe(out);
  });
});
