import type { ActionSource } from './actions';
import { AdminState, intentOf, MaintSource } from './server-state';

/**
 * Drain and ready jobs (README "Operating safely"): what a job is, and what its next step is, decided
 * without I/O (planOperation) so every rule has a unit test; operations/worker.ts does the I/O.
 */

export const OPERATION_ACTIONS = ['drain', 'ready'] as const;
export type OperationAction = (typeof OPERATION_ACTIONS)[number];

export const OPERATION_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type OperationState = (typeof OPERATION_STATES)[number];
export const OPEN_OPERATION_STATES: readonly OperationState[] = ['queued', 'running'];

/**
 * A job's server: `pending` not started; `waiting` held back (by the budget, or a ramp paused while the
 * server is down); `draining` drained, sessions not at 0 yet; `maint` sessions at 0 (or the deadline passed),
 * maint being set; `ramping` ready, its weight rising; then one of the final states.
 */
export const OPERATION_SERVER_STATES = [
  'pending',
  'waiting',
  'draining',
  'maint',
  'ramping',
  'done',
  'failed',
  'refused',
  'cancelled',
] as const;
export type OperationServerState = (typeof OPERATION_SERVER_STATES)[number];
export const FINAL_SERVER_STATES: readonly OperationServerState[] = ['done', 'failed', 'refused', 'cancelled'];
const ACTIVE_SERVER_STATES: readonly OperationServerState[] = ['waiting', 'draining', 'maint', 'ramping'];

export const ON_DEADLINE = ['fail', 'maint', 'shutdown_sessions'] as const;
export type OnDeadline = (typeof ON_DEADLINE)[number];

/** A gradual return: weight steps in % of the server's configured weight, rising to 100, one per interval. */
export interface Ramp {
  steps: number[];
  interval_s: number;
}

export const MAX_DEADLINE_S = 86_400;
export const MAX_RAMP_STEPS = 20;

/** Why a ramp is refused, or undefined: whole percentages 1-100, each above the one before, the last 100. */
export function rampProblem(r: Ramp): string | undefined {
  if (r.steps.length === 0 || r.steps.length > MAX_RAMP_STEPS) {
    return `a ramp has 1 to ${MAX_RAMP_STEPS} steps`;
  }
  if (r.steps.some((s) => !Number.isInteger(s) || s < 1 || s > 100)) {
    return 'ramp steps are whole percentages of the configured weight, from 1 to 100';
  }
  if (r.steps.some((s, i) => i > 0 && s <= r.steps[i - 1])) {
    return 'ramp steps must rise (e.g. [10, 25, 50, 100])';
  }
  if (r.steps[r.steps.length - 1] !== 100) {
    return 'a ramp must end at 100 (% of the configured weight)';
  }
  return undefined;
}

/** What a job was asked to do. */
export interface OperationSpec {
  action: OperationAction;
  max_parallel: number;
  deadline_s: number | null;
  on_deadline: OnDeadline;
  then: 'maint' | null;
  ramp: Ramp | null;
  force: boolean;
  actor: string;
  source: ActionSource;
  reason: string | null;
}

/** A job's server as stored (haproxy_operation_servers), with its admin state as last stored for the server. */
export interface OperationServer {
  position: number;
  server_id: number | null;
  server_name: string;
  backend_name: string;
  instance_name: string;
  state: OperationServerState;
  sessions: number | null;
  weight: number | null;
  step: number | null;
  since: Date;
  error: string | null;
  note: string | null;
  /** When the budget first held it back (a `waiting` drain). */
  waiting_since: Date | null;
  /** When its sessions must have reached 0 (a drain with deadline_s). */
  deadline_at: Date | null;
  /** When its ramp takes the next step. */
  next_step_at: Date | null;
  /** When its commands began failing for a reason that may pass (see TRIED_AGAIN); null once one goes through. */
  failing_since: Date | null;
  /** A ramp's base weight when its agent does not tell the configured one (see RampBase). */
  ramp_base_weight: number | null;
  /** haproxy_servers.admin_state and maint_source now (not columns of the job). */
  admin_state: AdminState | null;
  maint_source: MaintSource | null;
  /** The server's desired admin state now and who asked for it (haproxy_server_desired; null: none recorded). */
  desired_admin_state: AdminState | null;
  desired_actor: string | null;
  desired_set_at: Date | null;
}

/**
 * What the agent says of a server now (read fresh, not from the cache); `up`: it takes traffic (slowstart too);
 * `initialWeight`: its configured weight, null when the agent does not say.
 */
export type Observation =
  | { sessions: number; adminState: AdminState | null; up: boolean; weight: number; initialWeight: number | null }
  | { error: string }
  | { gone: true };

/** A command a step sends, through the guarded pipeline. */
export interface StepCommand {
  command: 'drain' | 'ready' | 'maint' | 'weight' | 'shutdown-sessions';
  weight?: number | `${number}%`;
}

export type ServerPatch = Partial<
  Pick<
    OperationServer,
    | 'state'
    | 'sessions'
    | 'weight'
    | 'step'
    | 'error'
    | 'note'
    | 'waiting_since'
    | 'deadline_at'
    | 'next_step_at'
    | 'failing_since'
    | 'ramp_base_weight'
  >
>;

/**
 * One server's step: optionally a patch written first (`before`, so a crash mid-command resumes in the right
 * state), commands in order (the first failure stops), then the patch for success, for a budget refusal, or
 * for any other failure (the error's message is added to it). `precheck`: ask the budget first, and send
 * nothing while it would refuse (a waiting server's retry, so retries do not fill the audit log).
 */
export interface Step {
  position: number;
  before?: ServerPatch;
  commands: StepCommand[];
  precheck?: boolean;
  then: ServerPatch;
  refused?: ServerPatch;
  failed: ServerPatch;
  /**
   * A ramp's step: what is sent instead, and recorded, when HAProxy refuses its weight because the backend's
   * algorithm is static (it takes 0% and 100% only): the server is returned at its full weight, not stranded.
   */
  unramped?: { commands: StepCommand[]; then: ServerPatch };
}

export const isFinal = (s: OperationServerState) => FINAL_SERVER_STATES.includes(s);
const isActive = (s: OperationServerState) => ACTIVE_SERVER_STATES.includes(s);

/** How many more of a job's servers may become active now: `max_parallel` less those active (never below 0). */
export const freePlaces = (maxParallel: number, servers: ReadonlyArray<Pick<OperationServer, 'state'>>) =>
  Math.max(0, maxParallel - servers.filter((s) => isActive(s.state)).length);

const plus = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);
const pct = (n: number) => `${n}%` as const;

/**
 * What a server's error ends with while a command that failed for a reason that may pass (the agent unreachable,
 * a 5xx, its breaker open, an unknown outcome) keeps it where it was: the next look plans it again from fresh reads.
 */
export const TRIED_AGAIN = '; tried again at the next look';

/** A server's error without TRIED_AGAIN: what it ends failed with, or a cancel says. */
const lastError = (error: string) => (error.endsWith(TRIED_AGAIN) ? error.slice(0, -TRIED_AGAIN.length) : error);

/**
 * Whether a server failing since `since` has been tried long enough: `retryS` (HAPROXY_OPERATION_RETRY_S), never
 * longer than the job's deadline_s, so a job ends even if an agent never answers again.
 */
export const retriesOver = (spec: Pick<OperationSpec, 'deadline_s'>, since: Date, now: Date, retryS: number) =>
  plus(since, Math.min(retryS, spec.deadline_s ?? Infinity)) <= now;

/**
 * The next step of every server of a running job, at `now`, from what the agent says of those it read.
 * Rolling: at most `max_parallel` servers are active (held back by the budget, draining, ramping) at once; a
 * finished one frees its place for the next pending one, in order. A server whose commands have failed for
 * longer than the retry window (`retryS`, see retriesOver), and that was not read fine now, ends failed.
 */
export function planOperation(
  spec: OperationSpec,
  servers: readonly OperationServer[],
  seen: ReadonlyMap<number, Observation>,
  now: Date,
  retryS: number
): Step[] {
  const steps: Step[] = [];
  let free = freePlaces(spec.max_parallel, servers);
  for (const s of servers) {
    const o = seen.get(s.position);
    if (s.failing_since && !isFinal(s.state) && !(o && isRead(o)) && retriesOver(spec, s.failing_since, now, retryS)) {
      // A returned server (ramping, or paused) whose agent could not be read: left as it is, and the job ends.
      const unread = o && 'error' in o && (s.state === 'ramping' || s.state === 'waiting');
      const error = unread
        ? `its agent could not be read for ${Math.round((now.getTime() - s.failing_since.getTime()) / 1000)} s: ` +
          `left at ${s.weight === null ? 'its current weight' : `weight ${s.weight}`}`
        : lastError(s.error ?? 'the agent did not answer');
      steps.push({ position: s.position, commands: [], then: { state: 'failed', error }, failed: failedPatch });
      continue;
    }
    if (s.state === 'pending') {
      if (free <= 0) {
        continue;
      }
      free--;
    }
    const step = spec.action === 'drain' ? drainStep(spec, s, o, now) : readyStep(spec, s, o, now);
    if (step) {
      steps.push(step);
    }
  }
  return steps;
}

const failedPatch: ServerPatch = { state: 'failed' };

type ReadServer = Extract<Observation, { sessions: number }>;
const isRead = (o: Observation): o is ReadServer => 'sessions' in o;

/** A drain job's note on a server it found in maint and so did not take out (a ready job by selection leaves it). */
export const ALREADY_IN_MAINT = 'already in maint';

/** Why a job's server gone from HAProxy (the agent no longer lists it, or a sync removed it) ends failed. */
export const GONE_FROM_HAPROXY = 'the server is no longer in HAProxy';

/**
 * A watched server gone from HAProxy fails; one that could not be read says why (once), and waits. With `now` (a
 * ready job's server, as a ready job has no deadline: one whose agent never answers again would hold its place
 * for ever) its unread looks are counted from then, and planOperation ends it failed past the retry window.
 */
function unreadStep(at: number, s: OperationServer, o: Exclude<Observation, ReadServer>, now?: Date): Step | undefined {
  if ('gone' in o) {
    return {
      position: at,
      commands: [],
      then: { state: 'failed', error: GONE_FROM_HAPROXY },
      failed: failedPatch,
    };
  }
  return s.error === o.error && (now === undefined || s.failing_since !== null)
    ? undefined
    : {
        position: at,
        commands: [],
        then: { error: o.error, ...(now && { failing_since: s.failing_since ?? now }) },
        failed: failedPatch,
      };
}

/** Set to maint (after `first`), then done; `before`: what the server's row says while the commands run. */
const maintStep = (at: number, note: string, first: StepCommand[] = [], before: ServerPatch = {}): Step => ({
  position: at,
  before: { ...before, state: 'maint' },
  commands: [...first, { command: 'maint' }],
  // What an earlier look could not read is no error of a server whose maint the agent took.
  then: { state: 'done', error: null, note },
  failed: failedPatch,
});

function drainStep(spec: OperationSpec, s: OperationServer, o: Observation | undefined, now: Date): Step | undefined {
  const at = s.position;
  const drained: ServerPatch = {
    state: 'draining',
    deadline_at: spec.deadline_s === null ? null : plus(now, spec.deadline_s),
    error: null,
  };
  const drain = (extra: Partial<Step> = {}): Step => ({
    position: at,
    commands: [{ command: 'drain' }],
    then: drained,
    refused: { state: 'waiting', waiting_since: s.waiting_since ?? now },
    failed: failedPatch,
    ...extra,
  });
  switch (s.state) {
    case 'pending': {
      // Only its own drain or maint: one passed down a `track` (or HAProxy's for DNS) ends with the tracked
      // server's, which would bring this one back mid-job, so the job sends its own.
      const own = intentOf({ adminState: s.admin_state, maintSource: s.maint_source });
      if (own === 'maint') {
        return {
          position: at,
          commands: [],
          then: { state: 'done', sessions: 0, note: ALREADY_IN_MAINT },
          failed: failedPatch,
        };
      }
      // Already drained (by hand, or before a restart of this job): nothing to send, its sessions are watched.
      return own === 'drain' ? { position: at, commands: [], then: drained, failed: failedPatch } : drain();
    }
    case 'waiting':
      // Someone set it to maint while the budget held it back: a drain now would bring it back from maint to
      // drain (health checks, persistent sessions), fighting their newer intent; it is out, as the job wanted.
      if (intentOf({ adminState: s.admin_state, maintSource: s.maint_source }) === 'maint') {
        return {
          position: at,
          commands: [],
          then: {
            state: 'done',
            error: null,
            note: `set maint by ${s.desired_actor ?? 'someone else'} while the budget held it back: left in maint`,
          },
          failed: failedPatch,
        };
      }
      if (spec.deadline_s !== null && s.waiting_since && plus(s.waiting_since, spec.deadline_s) <= now) {
        return {
          position: at,
          commands: [],
          then: { state: 'refused', note: `the budget still refused it after ${spec.deadline_s} s` },
          failed: failedPatch,
        };
      }
      return drain({ precheck: true });
    case 'maint':
      return maintStep(at, 'drained, then maint');
    case 'draining': {
      if (o === undefined || !isRead(o)) {
        // Past its deadline, a server the agent cannot tell about is ended by on_deadline all the same (its
        // commands fail if the agent is down): a job must end, and an agent that never answers again would
        // otherwise keep it running for ever.
        if (s.deadline_at && s.deadline_at <= now && !(o && 'gone' in o)) {
          return deadlineStep(spec, s, null, o?.error ?? 'not read');
        }
        return o === undefined ? undefined : unreadStep(at, s, o);
      }
      if (o.adminState === 'ready') {
        if (s.desired_admin_state === 'ready') {
          // Someone readied it since the job drained it (a command, or HAProxy's own stats page, adopted): their
          // intent is newer than the job's, which does not fight it; the server ends failed, as it takes traffic.
          return {
            position: at,
            commands: [],
            then: {
              state: 'failed',
              sessions: o.sessions,
              error: `set ready by ${s.desired_actor ?? 'someone else'} while the job drained it: left ready`,
            },
            failed: failedPatch,
          };
        }
        // HAProxy lost the drain (a reload: the desired state is still the job's drain): drained again, through
        // the budget like the first time.
        return drain({ then: { state: 'draining', sessions: o.sessions, error: null } });
      }
      if (o.sessions === 0) {
        // Its sessions as the agent said them: a done server must not show the count of an earlier look.
        return spec.then === 'maint'
          ? maintStep(at, 'drained, then maint', [], { sessions: 0 })
          : {
              position: at,
              commands: [],
              then: { state: 'done', sessions: 0, error: null, note: 'drained' },
              failed: failedPatch,
            };
      }
      if (s.deadline_at && s.deadline_at <= now) {
        return deadlineStep(spec, s, o.sessions);
      }
      return s.sessions === o.sessions && s.error === null
        ? undefined
        : { position: at, commands: [], then: { sessions: o.sessions, error: null }, failed: failedPatch };
    }
    default:
      return undefined;
  }
}

/**
 * A draining server past its deadline, by on_deadline: `sessions` as the agent said them, or null when it could
 * not say (`unread`: why), so the job ends without the agent's word.
 */
function deadlineStep(spec: OperationSpec, s: OperationServer, sessions: number | null, unread?: string): Step {
  const at = s.position;
  const left =
    sessions === null
      ? `sessions unknown (the agent did not answer: ${unread})`
      : `${sessions} session${sessions === 1 ? '' : 's'}`;
  const known = sessions === null ? {} : { sessions };
  const toMaint = (note: string, first: StepCommand[] = []) => maintStep(at, note, first, known);
  switch (spec.on_deadline) {
    case 'fail':
      return {
        position: at,
        commands: [],
        then: { state: 'failed', ...known, error: `${left} left after ${spec.deadline_s} s: left drained` },
        failed: failedPatch,
      };
    case 'maint':
      return toMaint(`deadline passed with ${left}: maint`);
    case 'shutdown_sessions':
      return spec.then === 'maint'
        ? toMaint(`deadline passed: ${left} shut down, then maint`, [{ command: 'shutdown-sessions' }])
        : {
            position: at,
            commands: [{ command: 'shutdown-sessions' }],
            then: { state: 'done', sessions: 0, error: null, note: `deadline passed: ${left} shut down` },
            failed: failedPatch,
          };
  }
}

/** A ramp step's note when HAProxy refused its weight because of the backend's algorithm (see Step.unramped). */
export const NO_PARTIAL_WEIGHTS =
  "HAProxy's balance algorithm of this backend takes no partial weights: ready at its full weight, not ramped";

/**
 * What a ramp's steps are made of: the configured weight when the agent tells it (`known`), else the weight the
 * server had when the job returned it (an agent of the seed's protocol tells only the current weight, and a
 * server in maint keeps its configured one unless someone changed it).
 */
export interface RampBase {
  weight: number;
  known: boolean;
}

/** The configured weight when the agent tells it, else `guess` (see RampBase); null when neither is above 0. */
export const rampBase = (initialWeight: number | null, guess: number | null): RampBase | null =>
  initialWeight !== null ? { weight: initialWeight, known: true } : guess ? { weight: guess, known: false } : null;

/**
 * The weight each ramp step sets, as an absolute weight: HAProxy rounds a percentage down, so 10% of a weight of
 * 1 (its default) is 0, a server out; a step below 100 sets at least 1. The last step of a guessed base is
 * HAProxy's 100% (the configured weight, whatever the guess); percentages when there is no base.
 */
export function rampWeights(steps: readonly number[], base: RampBase | null): Array<number | `${number}%`> {
  if (base === null) {
    return steps.map(pct);
  }
  const w = base.weight;
  return steps.map((p) =>
    p >= 100 ? (base.known ? w : pct(100)) : Math.min(w, Math.max(1, Math.floor((w * p) / 100)))
  );
}

/** The step after `from` that changes the weight (one that would set the same weight is skipped); else the last. */
const nextRampStep = (weights: ReadonlyArray<number | string>, from: number) => {
  const next = weights.findIndex((w, i) => i > from && w !== weights[from]);
  return next === -1 ? weights.length - 1 : next;
};

function readyStep(spec: OperationSpec, s: OperationServer, o: Observation | undefined, now: Date): Step | undefined {
  const at = s.position;
  const ramp = spec.ramp;
  if (s.state === 'pending') {
    if (!ramp) {
      return {
        position: at,
        commands: [{ command: 'ready' }],
        then: { state: 'done', note: 'ready' },
        failed: failedPatch,
      };
    }
    if (o && !isRead(o)) {
      // Its steps are made of its configured weight, which the agent tells.
      return unreadStep(at, s, o, now);
    }
    const base = rampBase(o?.initialWeight ?? null, o?.weight ?? null);
    const weights = rampWeights(ramp.steps, base);
    const last = ramp.steps.length - 1;
    const note = last === 0 ? 'ready at 100%' : `weight ${base?.weight} cannot ramp: HAProxy weights are whole numbers`;
    // The first step's weight before ready: the server rejoins at that weight, never at its full one. Every step
    // at the first one's weight (a configured weight of 1): ready at once, at its full weight.
    return {
      position: at,
      commands: [{ command: 'weight', weight: weights[0] }, { command: 'ready' }],
      then: weights.every((w) => w === weights[0])
        ? { state: 'done', step: last, error: null, note }
        : {
            state: 'ramping',
            step: 0,
            error: null,
            next_step_at: plus(now, ramp.interval_s),
            ramp_base_weight: base && !base.known ? base.weight : null,
          },
      failed: failedPatch,
      unramped: {
        // A server left below its full weight (0% is all a static algorithm takes besides 100%) is set to it first;
        // when the agent does not tell that weight, only 0 is known to be below it.
        commands: [
          ...(o && (base?.known ? o.weight !== base.weight : o.weight === 0)
            ? [{ command: 'weight' as const, weight: base?.known ? base.weight : pct(100) }]
            : []),
          { command: 'ready' },
        ],
        then: { state: 'done', step: last, error: null, note: NO_PARTIAL_WEIGHTS },
      },
    };
  }
  if (!ramp || (s.state !== 'ramping' && s.state !== 'waiting') || o === undefined) {
    return undefined;
  }
  if (!isRead(o)) {
    return unreadStep(at, s, o, now);
  }
  if (o.adminState !== null && o.adminState !== 'ready' && s.desired_admin_state === o.adminState) {
    // Someone drained it or set it to maint since the job readied it: their intent is newer than the job's, which
    // does not fight it, nor wait for a server in maint to come up (it would wait for ever).
    return {
      position: at,
      commands: [],
      then: {
        state: 'failed',
        weight: o.weight,
        error: `set ${o.adminState} by ${s.desired_actor ?? 'someone else'} while the job returned it: left ${o.adminState}`,
      },
      failed: failedPatch,
    };
  }
  if (!o.up) {
    // Read again after a look that could not: its error is over (and its failing_since, by the worker).
    return s.state === 'waiting' && s.error === null
      ? undefined
      : {
          position: at,
          commands: [],
          then: { state: 'waiting', weight: o.weight, error: null, note: 'ramp paused: the server is down' },
          failed: failedPatch,
        };
  }
  if (s.state === 'waiting') {
    // Back up: a whole interval at the step it paused on before the next.
    return {
      position: at,
      commands: [],
      then: { state: 'ramping', weight: o.weight, error: null, note: null, next_step_at: plus(now, ramp.interval_s) },
      failed: failedPatch,
    };
  }
  if (s.next_step_at && s.next_step_at > now) {
    // Read again after a look that could not: its error is over.
    return s.weight === o.weight && s.error === null
      ? undefined
      : { position: at, commands: [], then: { weight: o.weight, error: null }, failed: failedPatch };
  }
  // From the configured weight as the agent says it now (a reload may have changed it), else the job's guess.
  const weights = rampWeights(ramp.steps, rampBase(o.initialWeight, s.ramp_base_weight));
  const last = ramp.steps.length - 1;
  const next = nextRampStep(weights, Math.min(s.step ?? 0, last));
  const done: ServerPatch = { state: 'done', step: last, error: null };
  return {
    position: at,
    commands: [{ command: 'weight', weight: weights[next] }],
    then:
      next === last
        ? { ...done, note: 'ramped to 100% of the configured weight' }
        : { state: 'ramping', step: next, error: null, next_step_at: plus(now, ramp.interval_s) },
    failed: failedPatch,
    unramped: { commands: [{ command: 'weight', weight: weights[last] }], then: { ...done, note: NO_PARTIAL_WEIGHTS } },
  };
}

/** A finished job's state and error, once every server is final; undefined while any is not. */
export function operationOutcome(
  servers: ReadonlyArray<Pick<OperationServer, 'state'>>
): { state: 'succeeded' | 'failed'; error: string | null } | undefined {
  if (!servers.every((s) => isFinal(s.state))) {
    return undefined;
  }
  const failed = servers.filter((s) => s.state === 'failed').length;
  const refused = servers.filter((s) => s.state === 'refused').length;
  if (failed + refused === 0) {
    return { state: 'succeeded', error: null };
  }
  const parts = [failed && `${failed} failed`, refused && `${refused} refused by the disruption budget`].filter(
    Boolean
  );
  return { state: 'failed', error: `${parts.join(', ')} of ${servers.length} servers` };
}

/** What a cancel says of a server that had not finished: what is out stays out, and the job says so. */
export function cancelNote(spec: Pick<OperationSpec, 'action' | 'ramp'>, s: OperationServer): string {
  switch (s.state) {
    case 'pending':
      // Its first command failed and was to be tried again: it may have reached HAProxy (an unknown outcome).
      return s.failing_since && s.error
        ? `cancelled while ${spec.action} was being tried again: ${lastError(s.error)}`
        : 'cancelled before it started';
    case 'waiting':
      return spec.action === 'drain'
        ? 'cancelled while the budget held it back: not taken out'
        : `cancelled while its ramp was paused: left ready at ${rampAt(spec, s)}`;
    case 'draining':
      return `cancelled while draining: left drained${s.sessions ? ` with ${s.sessions} sessions` : ''}`;
    case 'maint':
      return 'cancelled while maint was being set: left drained or in maint';
    case 'ramping':
      return `cancelled mid-ramp: left ready at ${rampAt(spec, s)}`;
    default:
      return s.note ?? '';
  }
}

// The weight the ramp set too: a step is an absolute weight, rounded from the percentage (see rampWeights).
const rampAt = (spec: Pick<OperationSpec, 'ramp'>, s: OperationServer) =>
  [
    s.weight !== null && `weight ${s.weight}`,
    spec.ramp && s.step !== null && `${spec.ramp.steps[s.step]}% of its configured weight`,
  ]
    .filter(Boolean)
    .join(', ') || 'its current weight';

/** A job's progress by bucket (contract: pending, active, done, failed, refused, cancelled). */
export function progressOf(servers: ReadonlyArray<Pick<OperationServer, 'state'>>) {
  const n = (...states: OperationServerState[]) => servers.filter((s) => states.includes(s.state)).length;
  return {
    total: servers.length,
    pending: n('pending'),
    active: n(...ACTIVE_SERVER_STATES),
    done: n('done'),
    failed: n('failed'),
    refused: n('refused'),
    cancelled: n('cancelled'),
  };
}
