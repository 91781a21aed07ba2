import { useCallback, useState } from 'react';

interface Paging {
  resetKey: string;
  page: number;
  /** The keyset cursor each page was reached with (page 2's is page 1's `next`, ...). */
  cursors: Record<number, string>;
}

/**
 * Which page of a keyset-paged list is on screen. The next page is asked for `after` the `next` key of the page
 * on screen (and its key kept, so going back and forth reuses it); a page jumped to is asked for by offset. A
 * new `resetKey` (other filters) starts again at page 1.
 */
export function useKeysetPages(resetKey: string, pageSize: number) {
  const [state, setState] = useState<Paging>({ resetKey, page: 1, cursors: {} });
  const current: Paging = state.resetKey === resetKey ? state : { resetKey, page: 1, cursors: {} };
  const after = current.cursors[current.page];

  /** Go to `page`; `next` is the key the page on screen answered with (null on the last page). */
  const goTo = useCallback(
    (page: number, next: string | null) =>
      setState((s) => {
        const from: Paging = s.resetKey === resetKey ? s : { resetKey, page: 1, cursors: {} };
        const cursors = next !== null && page === from.page + 1 ? { ...from.cursors, [page]: next } : from.cursors;
        return { resetKey, page, cursors };
      }),
    [resetKey]
  );

  return {
    page: current.page,
    after,
    offset: after === undefined ? (current.page - 1) * pageSize : 0,
    goTo,
  };
}
