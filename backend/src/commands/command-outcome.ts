import type { ActionResult } from '../domain/actions';
import { drainedByAgentCheck, observedState } from '../domain/server-state';
import {
  AgentCommand,
  Command,
  isAdminCommand,
  normaliseStatus,
  ServerStatus,
  STATUS_AFTER_COMMAND,
} from '../domain/status';
import type { WeightSetting } from '../fagent/client';
import { FagentError } from '../fagent/errors';
import type { CommandAnswer, FagentServer } from '../fagent/schemas';

/** How the agent's call went; `uncertain`: it may have been applied though the answer failed (a timeout). */
export type AgentAttempt = { ok: true; answer?: CommandAnswer } | { ok: false; error: Error; uncertain: boolean };

/** HAProxy's state read after the command (fresh, past the cache); undefined when not read. */
export type ReadBack =
  | { server: FagentServer }
  /** Not listed; `backend` when the agent answered 404 for the whole backend (so it may not know the instance). */
  | { missing: 'server' | 'backend' }
  | { error: Error }
  | undefined;

export interface CommandOutcome {
  result: Exclude<ActionResult, 'pending'>;
  /** What HAProxy reports after the command (or what a success leaves when it could not be read). */
  statusAfter: ServerStatus | null;
  raw: string | null;
  /** Why it is not a success: the agent's error. */
  error: Error | null;
  note: string | null;
  /** The server as read back after the command, when it was. */
  shown?: FagentServer;
}

/**
 * Whether the request may have reached HAProxy although its answer failed: a timeout, a connection lost
 * mid-way, a garbled or oversized answer, a 5xx from something in between or from the agent itself, whatever
 * its body says (the reference agent answers `success:false` with 504 when HAProxy's socket timed out after
 * the command was written). Not: the breaker or our address policy, no connection or a refused certificate
 * (never sent), a 4xx or a 2xx `success:false` (the agent said no).
 */
export function isUncertain(err: Error): boolean {
  if (!(err instanceof FagentError) || err.notSent) {
    return false;
  }
  if (err.kind === 'http' || err.kind === 'refused') {
    return (err.httpStatus ?? 0) >= 500;
  }
  return ['timeout', 'network', 'invalid_answer', 'over_limit'].includes(err.kind);
}

const ADMIN_STATE: Record<Command, string> = { drain: 'drain', maint: 'maint', ready: 'ready' };

/**
 * Whether HAProxy shows `command` applied to `server`. The admin state says it when the agent sends it;
 * from `status` alone a DOWN server may be drained or not (HAProxy shows health first), and so may a NOLB
 * one (a soft-stopping server shows NOLB drained or not), so: undefined.
 * An absolute weight shows in the weight; a percentage, or sessions shut down, cannot be told apart from
 * what was there before.
 */
export function shownApplied(command: AgentCommand, server: FagentServer, weight?: WeightSetting): boolean | undefined {
  if (!isAdminCommand(command)) {
    return command === 'weight' && typeof weight === 'number' ? server.weight === weight : undefined;
  }
  if (server.admin_state) {
    return server.admin_state === ADMIN_STATE[command];
  }
  const status = normaliseStatus(server.status);
  if (status === 'DOWN' || status === 'UNKNOWN' || status === 'NOLB') {
    return command === 'maint' ? false : undefined;
  }
  if (command === 'ready') {
    return status === 'UP';
  }
  return status === STATUS_AFTER_COMMAND[command];
}

/** The audit row's outcome of one command from the agent's answer and what HAProxy shows after it. */
export function commandOutcome(
  command: AgentCommand,
  attempt: AgentAttempt,
  read: ReadBack,
  weight?: WeightSetting
): CommandOutcome {
  const shown = read && 'server' in read ? read.server : undefined;
  const statusAfter = shown ? normaliseStatus(shown.status) : null;
  const raw = shown?.status ?? null;
  if (attempt.ok) {
    if (shown) {
      return { result: 'success', statusAfter, raw, error: null, note: heldBack(command, shown), shown };
    }
    if (!isAdminCommand(command)) {
      // The status stays what it was: nothing to assume.
      return { result: 'success', statusAfter: null, raw: null, error: null, note: null };
    }
    const expected = STATUS_AFTER_COMMAND[command];
    return {
      result: 'success',
      statusAfter: expected,
      raw: expected,
      error: null,
      note: `HAProxy's state could not be read after the command (${unread(read)}): ${expected} assumed until the next sync`,
    };
  }
  if (!attempt.uncertain) {
    return { result: 'failure', statusAfter: null, raw: null, error: attempt.error, note: null };
  }
  if (!shown) {
    return {
      result: 'unknown',
      statusAfter: null,
      raw: null,
      error: attempt.error,
      note: `the agent's answer failed and HAProxy's state could not be read (${unread(read)})`,
    };
  }
  const applied = shownApplied(command, shown, weight);
  if (applied === true) {
    return {
      result: 'success',
      statusAfter,
      raw,
      error: null,
      note: `the agent's answer failed (${attempt.error.message}), but HAProxy shows "${raw}": applied`,
      shown,
    };
  }
  return {
    result: applied === false ? 'failure' : 'unknown',
    statusAfter,
    raw,
    error: attempt.error,
    note:
      applied === false
        ? `HAProxy shows "${raw}": not applied`
        : `HAProxy shows "${raw}": cannot tell whether ${command} was applied`,
  };
}

/**
 * Why HAProxy, having taken an admin command, still shows another admin state: a maintenance that is not the
 * operator's to lift (the tracked server's, or an address that does not resolve) outranks it. The command's
 * flag is set and shows once that maintenance ends; the audit row and the toast say so instead of a bare success.
 */
function heldBack(command: AgentCommand, shown: FagentServer): string | null {
  if (!isAdminCommand(command) || shownApplied(command, shown) !== false) {
    return null;
  }
  const why = whyHeldBack(command, shown);
  return why
    ? `HAProxy took ${command}, but shows "${shown.status}": ${why}; ${command} shows when that ends`
    : `HAProxy took ${command}, but shows "${shown.status}"`;
}

/** What outranks the command, when the agent's answer tells: the tracked server, DNS, or the agent-check. */
function whyHeldBack(command: AgentCommand, shown: FagentServer): string | null {
  const { adminState, maintSource } = observedState(shown, null);
  const tracked = shown.tracks ? `the server it tracks (${shown.tracks})` : 'the server it tracks';
  if (adminState === 'maint' && maintSource === 'inherited') {
    return `${tracked} is in maintenance`;
  }
  if (maintSource === 'resolution') {
    return 'its address does not resolve';
  }
  // A ready clears the server's own drain: one still shown comes down the track, or from HAProxy's agent-check,
  // which drains again at each check.
  if (command === 'ready' && adminState === 'drain') {
    if (shown.tracks) {
      return `${tracked} is drained`;
    }
    if (drainedByAgentCheck(shown.status)) {
      return 'its agent-check answers drain';
    }
  }
  return null;
}

function unread(read: ReadBack): string {
  if (read && 'error' in read) {
    return read.error.message;
  }
  return read && 'missing' in read ? 'the agent no longer lists the server' : 'not read';
}
