import { z } from 'zod';
import { MAX_REASON_CHARS } from '../domain/actions';
import { hasControlCharacter } from '../domain/control-characters';
import { globProblem } from '../domain/glob';
import { name, plainText } from '../domain/plain-text';
import { agentUrlProblem } from '../fagent/agent-url';
import { MAX_RAMP_STEPS, rampProblem } from '../domain/operation';
import { ADMIN_STATES, OPERATIONAL_STATES } from '../domain/server-state';
import { SERVER_STATUSES } from '../domain/status';
import { SecretBox } from '../secrets/secret-box';
import { WINDOW_MAX_DURATION_S, WINDOW_MIN_DURATION_S } from '../domain/window';
import { unstorable } from './storable-text';

/** Ids are PostgreSQL int: anything else is a 400, not a database error. */
export const bodyId = z.number().int('must be an integer id').positive('must be a positive id').max(2_147_483_647);
/** Ids in paths and queries: decimal digits only (coercion would take `0x10`, `1e3`, ` 7`, `true`). */
export const id = z.string().regex(/^\d+$/, 'must be a positive integer id').transform(Number).pipe(bodyId);
export const idParams = z.object({ id });

/** A count in a query (a limit, an offset, days, ms): decimal digits, as ids (coercion took `1e3`, ` 7`, and `` as 0). */
export const count = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().min(min).max(max));
export const limit = (def: number, max: number) => count(1, max).default(def);
export const offset = count(0, 10_000_000).default(0);
/** The times JSON answers can write as ISO 8601 (toISOString turns others into `+010000-...`, no date-time). */
export const MIN_TIME_MS = Date.parse('0000-01-01T00:00:00Z');
const MAX_TIME_MS = Date.parse('9999-12-31T23:59:59.999Z');
export const isoTime = z
  .string()
  .datetime({ offset: true, message: 'must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z' })
  .transform((s) => new Date(s))
  // An offset can move a 4-digit year out of 0000-9999 in UTC (9999-12-31T23:59:59-23:59), and the time is
  // echoed back (a timeline's until, a token's expires_at) in a form the contract's date-time refuses.
  .refine(
    (d) => d.getTime() >= MIN_TIME_MS && d.getTime() <= MAX_TIME_MS,
    'must be between the years 0000 and 9999 in UTC'
  );
/** A filter's time bounds in order: `since` after `until` is a mistake (swapped), not a range with nothing in it. */
export function orderedRange(q: { since?: Date; until?: Date }, ctx: z.RefinementCtx): void {
  if (q.since && q.until && q.since > q.until) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['since'], message: 'must not be after until' });
  }
}
export const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `a,b` -> ['a','b'] (case as `normalise` makes it), each checked against `values`. */
const listOf = <T extends string>(values: readonly [T, ...T[]], normalise: (s: string) => string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => normalise(x.trim()))
        .filter(Boolean)
    )
    .pipe(z.array(z.enum(values, { message: `must be among ${values.join(', ')}` })).min(1));

/** `status=UP,DOWN` -> ['UP','DOWN'], each checked against the known statuses. */
export const statusList = listOf(SERVER_STATUSES, (s) => s.toUpperCase());
export const adminStateList = listOf(ADMIN_STATES, (s) => s.toLowerCase());
export const operationalStateList = listOf(OPERATIONAL_STATES, (s) => s.toLowerCase());

/** Free text a caller gives as the why of a command (a ticket): kept on the audit row and the desired state. */
export const reason = z
  .string()
  .max(MAX_REASON_CHARS, `reason must be at most ${MAX_REASON_CHARS} characters`)
  .refine((s) => !s.includes('\u0000'), 'reason must not contain NUL characters');

/** A maintenance window's end: a time (checked against now by domain/window.ts), or a duration. */
export const windowFields = {
  until: isoTime.optional(),
  duration_s: z
    .number()
    .int('must be a whole number of seconds')
    .min(WINDOW_MIN_DURATION_S, `duration_s must be at least ${WINDOW_MIN_DURATION_S} seconds`)
    .max(WINDOW_MAX_DURATION_S, 'duration_s must be at most 30 days (2592000 seconds)')
    .optional(),
};

export { name, plainText, tokenName } from '../domain/plain-text';

/**
 * A bearer token the service sends to an agent (`Authorization: Bearer <token>`): what an HTTP header carries
 * as it is, printable ASCII without spaces at either end. Any other character makes undici refuse every
 * request (a stored token would fail every sync), and spaces at the ends are lost on the way.
 */
export const agentToken = plainText(1000).refine(
  // Control characters have plainText's message alone.
  (s) => /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(s) || hasControlCharacter(s),
  'must be printable ASCII without spaces at either end: it is sent in an HTTP header (Authorization: Bearer <token>)'
);

/**
 * An agent token as a caller gives it: in clear. One that starts like a sealed value would be read back as one:
 * stored as it is (no SECRETS_KEY), it fails every sync and stops the next start (secrets/agent-tokens.ts); tried
 * by "Test agent", a stored token copied from the database would be decrypted and sent to the URL tested.
 */
export const clearAgentToken = agentToken.refine(
  (t) => !SecretBox.isSealed(t),
  'must be the agent’s token in clear, not an encrypted value (aes256gcm:v1:...): it is encrypted when stored'
);

/** A name or a glob (domain/glob.ts) that a filter matches names by; at most 200 characters either way. */
export const nameOrGlob = z.string().superRefine((s, ctx) => {
  const problem = globProblem(s);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
  }
});

/** An instance's selective-polling scope: null polls every backend, else names or globs (at least one). */
export const backendScope = z
  .array(name(200).pipe(nameOrGlob))
  .min(1, 'must list at least one backend name or pattern; use null for all backends')
  .max(1000)
  .nullable();

/** A URL checked by `problem` (undefined: fine), at most 1000 characters. */
export const checkedUrl = (problem: (url: string) => string | undefined) =>
  z
    .string()
    .trim()
    .max(1000, 'must be at most 1000 characters')
    .superRefine((url, ctx) => {
      const why = problem(url);
      if (why) {
        ctx.addIssue({ code: 'custom', message: why });
      }
    });

/** An agent's base URL, with the rules the FAgent client itself applies (fagent/agent-url.ts). */
export const agentUrl = checkedUrl(agentUrlProblem);

/** A gradual return (domain/operation.ts): weight steps in % of the configured weight, rising to 100. */
export const ramp = z
  .object({
    steps: z.array(z.number()).min(1).max(MAX_RAMP_STEPS),
    interval_s: z.number().int('interval_s is whole seconds').min(1).max(3600),
  })
  .strict()
  .superRefine((r, ctx) => {
    const problem = rampProblem(r);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });

/** `force` overrides a disruption budget: only with a reason, which the audit row keeps. */
export function forceNeedsReason(b: { force?: boolean; reason?: string | null }, ctx: z.RefinementCtx): void {
  if (b.force && !b.reason?.trim()) {
    ctx.addIssue({ code: 'custom', message: 'force needs a reason: why the disruption budget may be overridden' });
  }
}

/**
 * Where a keyset page starts, as the API hands it out (`next`) and takes it back (`after`): the sort key of a
 * page's last row, opaque to callers (base64url JSON). `types` is the key's shape; anything else is a 400.
 */
export const encodeCursor = (key: ReadonlyArray<string | number>) =>
  Buffer.from(JSON.stringify(key)).toString('base64url');

export const cursor = (types: ReadonlyArray<'string' | 'id'>) =>
  z
    .string()
    .max(2000)
    .transform((s, ctx) => {
      let key: unknown;
      try {
        key = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
      } catch {
        key = undefined;
      }
      const fits =
        Array.isArray(key) &&
        key.length === types.length &&
        key.every((v, i) =>
          types[i] === 'id' ? bodyId.safeParse(v).success : typeof v === 'string' && unstorable(v) === undefined
        );
      if (!fits) {
        ctx.addIssue({ code: 'custom', message: 'must be a `next` value of this list' });
        return z.NEVER;
      }
      return key as Array<string | number>;
    });
