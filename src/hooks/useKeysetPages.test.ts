import { act, renderHook } from '@testing-library/react';
import { useKeysetPages } from './useKeysetPages';

describe('useKeysetPages', () => {
  it('asks for the next page after the key of the page on screen, and reuses the keys going back', () => {
    const { result } = renderHook(() => useKeysetPages('filters', 50));
    expect(result.current).toMatchObject({ page: 1, after: undefined, offset: 0 });
    act(() => result.current.goTo(2, 'key-after-1'));
    expect(result.current).toMatchObject({ page: 2, after: 'key-after-1', offset: 0 });
    act(() => result.current.goTo(3, 'key-after-2'));
    expect(result.current).toMatchObject({ page: 3, after: 'key-after-2', offset: 0 });
    act(() => result.current.goTo(2, null));
    expect(result.current).toMatchObject({ page: 2, after: 'key-after-1', offset: 0 });
  });

  it('a page jumped to is asked for by offset; other filters start again at page 1', () => {
    const { result, rerender } = renderHook(({ key }) => useKeysetPages(key, 50), {
      initialProps: { key: 'a' },
    });
    act(() => result.current.goTo(7, 'key-after-1'));
    expect(result.current).toMatchObject({ page: 7, after: undefined, offset: 300 });
    rerender({ key: 'b' });
    expect(result.current).toMatchObject({ page: 1, after: undefined, offset: 0 });
    act(() => result.current.goTo(2, 'b-key'));
    rerender({ key: 'a' });
    expect(result.current).toMatchObject({ page: 1, after: undefined, offset: 0 });
  });
});
