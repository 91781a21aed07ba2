/** A sample of the Prometheus text format: name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = LINE.exec(l);
      if (!m) {
        throw new Error(`not an exposition line: ${l}`);
      }
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) {
        labels[k] = v.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
      }
      return { name: m[1], labels, value: Number(m[3]) };
    });
}

/** Samples of one metric whose labels include `match`. */
export function select(samples: Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The one value of a metric with exactly these labels (a subset must pick one series). */
export function value(samples: Sample[], name: string, match: Record<string, string> = {}): number | undefined {
  const found = select(samples, name, match);
  if (found.length > 1) {
    throw new Error(`${found.length} series of ${name} match ${JSON.stringify(match)}`);
  }
  return found[0]?.value;
}

/** Which metric types the HELP/TYPE lines declare. */
export function types(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}
