import { preview, UnexpectedOutputError } from './unexpected-output';

/**
 * Parsing of HAProxy's `show servers state` (format version 1): a version line, a `# be_id be_name ...`
 * header and one space-separated row per server. Columns are found by the header's names, never by
 * position, so a newer HAProxy that adds columns still parses.
 */

/** What an operator (or the configuration, or `track`) decided about the server. */
export type AdminState = 'ready' | 'drain' | 'maint';
/** Why a server is in maint (for a drain: `inherited` alone); see {@link adminStateOf} for how the flags are read. */
export type MaintSource = 'config' | 'forced' | 'inherited' | 'resolution';
/** What health checks found. */
export type OperationalState = 'up' | 'down' | 'starting' | 'stopping';

/** `srv_admin_state` bits (HAProxy's `enum srv_admin`, include/haproxy/server-t.h). */
export const SRV_ADMF = {
  /** forced into maintenance (runtime API, stats page; also set by `disabled`, see CMAINT) */
  FMAINT: 0x01,
  /** maintenance inherited from a tracked server */
  IMAINT: 0x02,
  /** `disabled` in the configuration; HAProxy sets FMAINT with it and leaves it set after `state ready` */
  CMAINT: 0x04,
  /** forced into drain */
  FDRAIN: 0x08,
  /** drain inherited from a tracked server */
  IDRAIN: 0x10,
  /** maintenance because the address could not be resolved */
  RMAINT: 0x20,
} as const;

/** HAProxy's own masks: CMAINT alone does not make a server maint (SRV_ADMF_MAINT is 0x23). */
const MAINT_MASK = SRV_ADMF.FMAINT | SRV_ADMF.IMAINT | SRV_ADMF.RMAINT;
const DRAIN_MASK = SRV_ADMF.FDRAIN | SRV_ADMF.IDRAIN;

/** `srv_op_state` values (HAProxy's `enum srv_state`). */
const OPERATIONAL_STATES: Record<string, OperationalState> = {
  '0': 'down', // SRV_ST_STOPPED
  '1': 'starting', // SRV_ST_STARTING (slowstart)
  '2': 'up', // SRV_ST_RUNNING
  '3': 'stopping', // SRV_ST_STOPPING (soft-stopped, e.g. a 404 check with http-check disable-on-404)
};

export interface ServerStateRow {
  backendId: number;
  backend: string;
  serverId: number;
  server: string;
  operationalState: OperationalState;
  /** The raw `srv_admin_state` bitfield. */
  adminFlags: number;
  adminState: AdminState;
  maintSource: MaintSource | null;
  /** `srv_uweight`: the current weight, as set by the runtime API or the configuration. */
  weight: number;
  /** `srv_iweight`: the weight in the configuration. */
  initialWeight: number;
}

export class ServersStateFormatError extends UnexpectedOutputError {}

const SUPPORTED_VERSION = '1';
const REQUIRED_COLUMNS = [
  'be_id',
  'be_name',
  'srv_id',
  'srv_name',
  'srv_op_state',
  'srv_admin_state',
  'srv_uweight',
  'srv_iweight',
] as const;

/**
 * Maint wins over drain. A `disabled` server carries FMAINT and CMAINT together, so FMAINT is "forced"
 * only without CMAINT; after that the protocol's order: forced, config, inherited, resolution. A drain that
 * only comes down a `track` (IDRAIN without FDRAIN) is the tracked server's, as an inherited maint is:
 * `inherited` too, so it is not taken for the tracking server's own (adopted, re-sent after a reload).
 */
export function adminStateOf(flags: number): { adminState: AdminState; maintSource: MaintSource | null } {
  if (flags & MAINT_MASK) {
    let maintSource: MaintSource;
    if (flags & SRV_ADMF.FMAINT) {
      maintSource = flags & SRV_ADMF.CMAINT ? 'config' : 'forced';
    } else if (flags & SRV_ADMF.IMAINT) {
      maintSource = 'inherited';
    } else {
      maintSource = 'resolution';
    }
    return { adminState: 'maint', maintSource };
  }
  if (flags & DRAIN_MASK) {
    return { adminState: 'drain', maintSource: flags & SRV_ADMF.FDRAIN ? null : 'inherited' };
  }
  return { adminState: 'ready', maintSource: null };
}

/**
 * HAProxy writes exactly one space between fields, and up to 1.8 an empty `srv_addr` (a server on a
 * unix socket, or not resolved yet): two spaces in a row are then an empty field, not one separator.
 */
function splitFields(line: string): string[] {
  return line.trimEnd().split(' ');
}

export function parseServersState(text: string): ServerStateRow[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const version = lines[0]?.trim();
  if (version !== SUPPORTED_VERSION) {
    throw new ServersStateFormatError(
      /^\d+$/.test(version ?? '')
        ? `show servers state format version ${version} is not supported (only ${SUPPORTED_VERSION})`
        : `show servers state output does not start with a format version: ${preview(text)}`
    );
  }
  const header = lines[1] ?? '';
  if (!header.startsWith('# ')) {
    throw new ServersStateFormatError(`no "# be_id be_name ..." header in show servers state output: ${preview(text)}`);
  }
  const column = new Map<string, number>();
  splitFields(header.slice(2)).forEach((name, i) => column.has(name) || column.set(name, i));
  const missing = REQUIRED_COLUMNS.filter((c) => !column.has(c));
  if (missing.length > 0) {
    throw new ServersStateFormatError(`show servers state header lacks column(s): ${missing.join(', ')}`);
  }

  const rows: ServerStateRow[] = [];
  for (const line of lines.slice(2)) {
    if (line.trim() === '') {
      continue;
    }
    const cells = splitFields(line);
    const cell = (name: (typeof REQUIRED_COLUMNS)[number]) => cells[column.get(name) as number] ?? '';
    const int = (name: (typeof REQUIRED_COLUMNS)[number]) => {
      const value = cell(name);
      if (!/^\d+$/.test(value)) {
        throw new ServersStateFormatError(`show servers state: ${name} "${value}" is not a number in "${line}"`);
      }
      return Number(value);
    };
    const name = (column: 'be_name' | 'srv_name') => {
      const value = cell(column);
      if (value === '') {
        throw new ServersStateFormatError(`show servers state: empty ${column} in "${line}"`);
      }
      return value;
    };
    const operationalState = OPERATIONAL_STATES[cell('srv_op_state')];
    if (!operationalState) {
      throw new ServersStateFormatError(
        `show servers state: unknown srv_op_state "${cell('srv_op_state')}" in "${line}"`
      );
    }
    const adminFlags = int('srv_admin_state');
    rows.push({
      backendId: int('be_id'),
      backend: name('be_name'),
      serverId: int('srv_id'),
      server: name('srv_name'),
      operationalState,
      adminFlags,
      ...adminStateOf(adminFlags),
      weight: int('srv_uweight'),
      initialWeight: int('srv_iweight'),
    });
  }
  return rows;
}
