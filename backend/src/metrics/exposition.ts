/**
 * Prometheus text format for the high-cardinality families (one series per server and state). prom-client
 * hashes every label set on set() and formats it again on render: about 3.5 s of blocked event loop for
 * 20,000 servers. Here a server's label string is escaped once and reused for all its series.
 */
export type Labels = Record<string, string>;

const escapeValue = (v: string) =>
  /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** `k1="v1",k2="v2"` (no braces), to be shared by the series of one server. */
export function labelString(labels: Labels): string {
  let out = '';
  for (const k in labels) {
    out += `${out ? ',' : ''}${k}="${escapeValue(labels[k])}"`;
  }
  return out;
}

/**
 * Lines per piece of a family's text. A scrape of 200,000 servers with names of ordinary length is over 500 MB,
 * past V8's longest string (2^29 characters): joined into one string it failed with "Invalid string length"
 * (a 500). So a family is kept, and served, as pieces of at most this many lines.
 */
const LINES_PER_PIECE = 2048;

export class GaugeFamily {
  private readonly pieces: string[] = [];
  private lines: string[] = [];
  private count = 0;

  constructor(
    readonly name: string,
    private readonly help: string
  ) {}

  /** One series; `labels` from labelString, `extra` appended (e.g. `state="UP"`, already safe). */
  add(labels: string, value: number, extra?: string): void {
    const all = extra ? (labels ? `${labels},${extra}` : extra) : labels;
    this.lines.push(`${this.name}${all ? `{${all}}` : ''} ${formatValue(value)}`);
    this.count++;
    if (this.lines.length === LINES_PER_PIECE) {
      this.pieces.push(`${this.lines.join('\n')}\n`);
      this.lines = [];
    }
  }

  get size(): number {
    return this.count;
  }

  /** The family in the text format, in pieces of bounded length; none when it has no series (a HELP without samples would be noise). */
  chunks(): string[] {
    if (this.count === 0) {
      return [];
    }
    if (this.lines.length > 0) {
      this.pieces.push(`${this.lines.join('\n')}\n`);
      this.lines = [];
    }
    return [`# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} gauge\n`, ...this.pieces];
  }

  /** The family as one string (small families, tests). */
  render(): string {
    return this.chunks().join('');
  }
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) {
    return 'NaN';
  }
  if (v === Infinity) {
    return '+Inf';
  }
  if (v === -Infinity) {
    return '-Inf';
  }
  return String(v);
}
