import { preview, UnexpectedOutputError } from './unexpected-output';

/** What the agent needs from `show info`: which process answers, since when. */
export interface ShowInfo {
  version: string;
  pid: number;
  /** `Start_time_sec` (HAProxy 2.6 has it): the process start, exact and stable across calls. */
  startTimeSec: number | null;
  uptimeSec: number | null;
}

export class ShowInfoFormatError extends UnexpectedOutputError {}

/** `show info` is `Name: value` lines; unknown lines are ignored, Version and Pid are required. */
export function parseShowInfo(text: string): ShowInfo {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
  }
  const version = fields.get('Version');
  const pid = intOrNull(fields.get('Pid'));
  if (!version || pid === null) {
    throw new ShowInfoFormatError(`show info output lacks Version or Pid: ${preview(text)}`);
  }
  return {
    version,
    pid,
    startTimeSec: intOrNull(fields.get('Start_time_sec')),
    uptimeSec: intOrNull(fields.get('Uptime_sec')),
  };
}

function intOrNull(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

/** The process as the FAgent protocol's /info describes it. */
export interface ProcessInfo {
  version: string;
  pid: number;
  startedAt: Date;
  uptimeSec: number;
}

/**
 * Uptime that went back by more than this is a new process; less can be two reads answered a second
 * apart and parsed in the other order.
 */
const UPTIME_JITTER_SEC = 2;

/**
 * A reload or restart must show as a new pid or start time, and nothing else may: so the start time
 * is HAProxy's exact one when it has it, else derived once per pid from the uptime and then kept
 * (`previous`), because now - uptime moves by a second between calls. A restart can keep the pid (a
 * container's HAProxy is always the same pid): its uptime going back says it is another process.
 */
export function toProcessInfo(info: ShowInfo, nowMs: number, previous?: ProcessInfo): ProcessInfo {
  const nowSec = Math.floor(nowMs / 1000);
  let startSec: number;
  if (info.startTimeSec !== null) {
    startSec = info.startTimeSec;
  } else if (
    previous?.pid === info.pid &&
    (info.uptimeSec === null || info.uptimeSec >= previous.uptimeSec - UPTIME_JITTER_SEC)
  ) {
    startSec = previous.startedAt.getTime() / 1000;
  } else if (info.uptimeSec !== null) {
    startSec = nowSec - info.uptimeSec;
  } else {
    throw new ShowInfoFormatError('show info has neither Start_time_sec nor Uptime_sec');
  }
  return {
    version: info.version,
    pid: info.pid,
    startedAt: new Date(startSec * 1000),
    uptimeSec: info.uptimeSec ?? Math.max(0, nowSec - startSec),
  };
}
