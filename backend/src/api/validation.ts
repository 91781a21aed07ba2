import { z } from 'zod';
import { globProblem } from '../domain/glob';
import { agentUrlProblem } from '../fagent/agent-url';
import { SERVER_STATUSES } from '../domain/status';

/** Ids are PostgreSQL int: anything else is a 400, not a database error. */
export const bodyId = z.number().int('must be an integer id').positive('must be a positive id').max(2_147_483_647);
/** Ids in paths and queries: decimal digits only (coercion would take `0x10`, `1e3`, ` 7`, `true`). */
export const id = z.string().regex(/^\d+$/, 'must be a positive integer id').transform(Number).pipe(bodyId);
export const idParams = z.object({ id });

export const limit = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def);
export const offset = z.coerce.number().int().min(0).max(10_000_000).default(0);
export const isoTime = z
  .string()
  .datetime({ offset: true, message: 'must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z' })
  .transform((s) => new Date(s));
export const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `status=UP,DOWN` -> ['UP','DOWN'], each checked against the known statuses. */
export const statusList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim().toUpperCase())
      .filter(Boolean)
  )
  .pipe(z.array(z.enum(SERVER_STATUSES, { message: `must be among ${SERVER_STATUSES.join(', ')}` })).min(1));

/** Text that is stored and shown as it is (tables, the UI, HTTP headers): no control characters. */
export const plainText = (max: number, min = 1) =>
  z
    .string()
    .min(min, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

export const name = (max = 200) => z.string().trim().pipe(plainText(max));

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

/** An agent's base URL, with the rules the FAgent client itself applies (fagent/agent-url.ts). */
export const agentUrl = z
  .string()
  .trim()
  .max(1000, 'must be at most 1000 characters')
  .superRefine((url, ctx) => {
    const problem = agentUrlProblem(url);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
    }
  });
