import { SERVER_STATUSES, ServerStatus, STATUS_CODE } from '../domain/status';

/**
 * Severity for "worst status in a bucket": a short DOWN inside an hour must stay visible in a coarse
 * timeline. DOWN is an unplanned failure, UNKNOWN means we cannot tell, MAINT/DRAIN/NOLB are mostly on
 * purpose; UP is the normal state.
 */
export const SEVERITY_ORDER: readonly ServerStatus[] = ['UP', 'NOLB', 'DRAIN', 'MAINT', 'UNKNOWN', 'DOWN'];

/** Status names by STATUS_CODE (index = code). */
export const STATUS_BY_CODE: readonly ServerStatus[] = (() => {
  const out: ServerStatus[] = [];
  for (const s of SERVER_STATUSES) {
    out[STATUS_CODE[s]] = s;
  }
  return out;
})();

/** Field order of status counts: as the UI lists them, UNKNOWN last. */
export const COUNT_ORDER: readonly ServerStatus[] = ['UP', 'DOWN', 'DRAIN', 'MAINT', 'NOLB', 'UNKNOWN'];

/** The more severe of two status codes (null = no sample). */
export function worstCode(a: number | null, b: number | null): number | null {
  if (a === null) {
    return b;
  }
  if (b === null) {
    return a;
  }
  return SEVERITY_ORDER.indexOf(STATUS_BY_CODE[a]) >= SEVERITY_ORDER.indexOf(STATUS_BY_CODE[b]) ? a : b;
}

/** SQL: the severity rank of a status code expression (`(ARRAY[...])[code + 1]`). */
export function sqlRankOf(codeExpr: string): string {
  const ranks = STATUS_BY_CODE.map((s) => SEVERITY_ORDER.indexOf(s));
  return `(ARRAY[${ranks.join(',')}]::smallint[])[(${codeExpr}) + 1]`;
}

/** SQL: the status code of a severity rank expression (inverse of sqlRankOf). */
export function sqlCodeOfRank(rankExpr: string): string {
  const codes = SEVERITY_ORDER.map((s) => STATUS_CODE[s]);
  return `(ARRAY[${codes.join(',')}]::smallint[])[(${rankExpr}) + 1]`;
}

/** Colours Grafana's state timeline and stacked series use for each status. */
export const STATUS_COLOR: Record<ServerStatus, string> = {
  UP: 'green',
  DOWN: 'red',
  DRAIN: 'orange',
  MAINT: 'blue',
  NOLB: 'yellow',
  UNKNOWN: 'gray',
};
