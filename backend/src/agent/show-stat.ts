import { preview, UnexpectedOutputError } from './unexpected-output';

/**
 * Parsing of HAProxy's `show stat` CSV. Columns are found by the header line
 * (`# pxname,svname,...`), never by position: HAProxy versions add and move columns.
 */

/** One server row of `show stat`, typed; empty cells become null. */
export interface ServerStat {
  backend: string;
  name: string;
  /** `iid` and `sid`: the ids `show servers state` calls be_id and srv_id (null if HAProxy omits them). */
  backendId: number | null;
  serverId: number | null;
  /** `addr` column: "ip:port" as HAProxy resolved it; empty for very old HAProxy. */
  address: string;
  /** HAProxy's status string as-is: "UP", "DOWN", "UP 1/3", "MAINT (via b/s)", "no check", ... */
  status: string;
  /** The effective weight (slowstart, agent checks); the FAgent answer's `weight` is srv_uweight instead. */
  weight: number;
  currentSessions: number;
  /** `smax`: highest concurrent sessions seen since start. */
  maxSessionsSeen: number;
  /** `slim`: configured `maxconn`; null when the server has no limit. */
  sessionLimit: number | null;
  checkStatus: string | null;
  lastChangeSeconds: number | null;
  backup: boolean;
  /** `tracked`: "backend/server" this one follows through `track` (its admin and health states), else null. */
  tracked: string | null;
}

/** A backend (or `listen`) proxy: its aggregate row in `show stat`, present even when it has no servers. */
export interface BackendStat {
  name: string;
  /** `iid` */
  id: number | null;
}

export interface ShowStatTable {
  /** In HAProxy's order. */
  backends: BackendStat[];
  /** In HAProxy's order. */
  servers: ServerStat[];
}

export class ShowStatFormatError extends UnexpectedOutputError {}

const REQUIRED_COLUMNS = ['pxname', 'svname', 'status'] as const;

/** `type` column values (HAProxy doc, section 9.1): 1 is a backend, 2 a server. */
const BACKEND_TYPE = '1';
const SERVER_TYPE = '2';
const BACKEND_ROW = 'BACKEND';
const AGGREGATE_ROWS = new Set(['FRONTEND', BACKEND_ROW]);

/** Returns the server rows only: frontends, backends' aggregate rows and listeners are dropped. */
export function parseShowStat(text: string): ServerStat[] {
  return parseShowStatTable(text).servers;
}

/** The backend and server rows; frontends and listeners are dropped. */
export function parseShowStatTable(text: string): ShowStatTable {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const headerIndex = lines.findIndex((l) => l.startsWith('# '));
  if (headerIndex === -1) {
    throw new ShowStatFormatError(`no "# pxname,svname,..." header in show stat output: ${preview(text)}`);
  }
  const header = splitCsvLine(lines[headerIndex].slice(2));
  const column = new Map<string, number>();
  header.forEach((name, i) => {
    if (name !== '' && !column.has(name)) {
      column.set(name, i);
    }
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !column.has(c));
  if (missing.length > 0) {
    throw new ShowStatFormatError(`show stat header lacks column(s): ${missing.join(', ')}`);
  }

  const cell = (row: string[], name: string): string => {
    const i = column.get(name);
    return i === undefined ? '' : (row[i] ?? '');
  };
  const rowType = column.has('type')
    ? (row: string[]) => cell(row, 'type')
    : (row: string[]) => {
        const svname = cell(row, 'svname');
        return svname === BACKEND_ROW ? BACKEND_TYPE : AGGREGATE_ROWS.has(svname) ? '' : SERVER_TYPE;
      };

  const table: ShowStatTable = { backends: [], servers: [] };
  for (const line of lines.slice(headerIndex + 1)) {
    if (line.trim() === '') {
      continue;
    }
    const row = splitCsvLine(line);
    const type = rowType(row);
    if (type === BACKEND_TYPE) {
      table.backends.push({ name: cell(row, 'pxname'), id: intOrNull(cell(row, 'iid')) });
    }
    if (type !== SERVER_TYPE) {
      continue;
    }
    table.servers.push({
      backend: cell(row, 'pxname'),
      name: cell(row, 'svname'),
      backendId: intOrNull(cell(row, 'iid')),
      serverId: intOrNull(cell(row, 'sid')),
      address: cell(row, 'addr'),
      status: cell(row, 'status'),
      weight: intOrNull(cell(row, 'weight')) ?? 0,
      currentSessions: intOrNull(cell(row, 'scur')) ?? 0,
      maxSessionsSeen: intOrNull(cell(row, 'smax')) ?? 0,
      sessionLimit: intOrNull(cell(row, 'slim')),
      checkStatus: cell(row, 'check_status') || null,
      lastChangeSeconds: intOrNull(cell(row, 'lastchg')),
      backup: cell(row, 'bck') === '1',
      tracked: cell(row, 'tracked') || null,
    });
  }
  return table;
}

/**
 * Splits one CSV record. HAProxy quotes a cell (RFC 4180 style, `""` for a quote) when its text
 * holds a comma or quote, e.g. some check descriptions.
 */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        current += ch;
      }
    } else if (ch === '"' && current === '') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  cells.push(current);
  return cells;
}

function intOrNull(text: string): number | null {
  if (!/^-?\d+$/.test(text)) {
    return null;
  }
  return Number(text);
}
