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

export class GaugeFamily {
  private readonly lines: string[] = [];

  constructor(
    readonly name: string,
    private readonly help: string
  ) {}

  /** One series; `labels` from labelString, `extra` appended (e.g. `state="UP"`, already safe). */
  add(labels: string, value: number, extra?: string): void {
    const all = extra ? (labels ? `${labels},${extra}` : extra) : labels;
    this.lines.push(`${this.name}${all ? `{${all}}` : ''} ${formatValue(value)}`);
  }

  get size(): number {
    return this.lines.length;
  }

  /** The family in the text format; empty when it has no series (a HELP without samples would be noise). */
  render(): string {
    if (this.lines.length === 0) {
      return '';
    }
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} gauge\n${this.lines.join('\n')}\n`;
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
