import { useEffect } from 'react';

/**
 * A list paged by offset whose page is past its last one (a shared URL, a huge page number, or a list that shrank:
 * the last row of the last page mapped or removed) answers no rows while its total says rows match: instead of an
 * empty page, go to the last page (`undefined` for the first, as an absent URL parameter reads).
 */
export function useLastPageWhenPastTheEnd(
  answer: { rows: number; total: number } | undefined,
  pageSize: number,
  goTo: (page: number | undefined) => void
): boolean {
  const pastTheEnd = answer !== undefined && answer.rows === 0 && answer.total > 0;
  const last = Math.max(1, Math.ceil((answer?.total ?? 0) / pageSize));
  useEffect(() => {
    if (pastTheEnd) {
      goTo(last > 1 ? last : undefined);
    }
  }, [pastTheEnd, last, goTo]);
  return pastTheEnd;
}
