import { compileMatcher } from '../../src/domain/scope';

/** A scope's list matches when any of it does: a value that stands for anything makes it match anything. */
test('a list with `*`, "All" or $__all in it filters nothing; blanks in a list say nothing', () => {
  expect(compileMatcher(['edge-1', '*'])).toBeUndefined();
  expect(compileMatcher([7, 'All'])).toBeUndefined();
  expect(compileMatcher(['$__all', 'edge-2'])).toBeUndefined();
  expect(compileMatcher(['', ' '])).toBeUndefined();
  expect(compileMatcher(['', 'edge-1'])).toEqual({ ids: [], names: ['edge-1'], patterns: [] });
});
