import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/**
 * Reads provisioning/alerting/haproxy-control.yaml (the file Grafana loads, so the file itself is what the
 * tests run) and evaluates a rule the way Grafana does for SQL table data: text columns become labels,
 * the one numeric column the value, then the rule's reduce and threshold expressions, in order.
 */
export const GRAFANA_ALERTS_FILE = path.resolve(__dirname, '../../../provisioning/alerting/haproxy-control.yaml');
export const PG_DATASOURCE_UID = 'haproxy-control-pg';

export interface RuleQuery {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: Record<string, any>;
}

export interface GrafanaRule {
  uid: string;
  title: string;
  condition: string;
  data: RuleQuery[];
  noDataState: string;
  execErrState: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleFile {
  apiVersion: number;
  groups: Array<{ orgId: number; name: string; folder: string; interval: string; rules: GrafanaRule[] }>;
}

export function loadRuleFile(file = GRAFANA_ALERTS_FILE): RuleFile {
  return YAML.parse(fs.readFileSync(file, 'utf8'));
}

export function rule(uid: string, file = loadRuleFile()): GrafanaRule {
  const found = file.groups.flatMap((g) => g.rules).find((r) => r.uid === uid);
  if (!found) {
    throw new Error(`no alert rule ${uid} in ${GRAFANA_ALERTS_FILE}`);
  }
  return found;
}

/** The SQL of the rule's data source query. */
export function ruleSql(r: GrafanaRule): string {
  const q = r.data.find((d) => d.datasourceUid === PG_DATASOURCE_UID);
  if (!q) {
    throw new Error(`rule ${r.uid} has no query on ${PG_DATASOURCE_UID}`);
  }
  return q.model.rawSql;
}

export interface Instance {
  labels: Record<string, string>;
  /** Value per refId, as Grafana's $values.X.Value. */
  values: Record<string, number>;
  firing: boolean;
}

type Row = Record<string, unknown>;

/** Grafana's numeric-table conversion: exactly one number column; every other column must be text. */
function toNumbers(rows: Row[]): Array<{ labels: Record<string, string>; value: number }> {
  return rows.map((row) => {
    const entries = Object.entries(row);
    const numeric = entries.filter(([, v]) => typeof v === 'number');
    if (numeric.length !== 1) {
      throw new Error(`a row needs exactly one numeric column, got ${JSON.stringify(row)}`);
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of entries) {
      if (typeof v === 'number') {
        continue;
      }
      if (typeof v !== 'string') {
        throw new Error(`column ${k} is neither text nor a number: ${JSON.stringify(v)}`);
      }
      labels[k] = v;
    }
    return { labels, value: numeric[0][1] as number };
  });
}

const evaluators: Record<string, (v: number, p: number[]) => boolean> = {
  gt: (v, [a]) => v > a,
  lt: (v, [a]) => v < a,
  within_range: (v, [a, b]) => v > a && v < b,
  outside_range: (v, [a, b]) => v < a || v > b,
};

/** The rule's alert instances for these rows of its SQL; `firing` is its condition. */
export function evaluate(r: GrafanaRule, rows: Row[]): Instance[] {
  const sqlRef = r.data.find((d) => d.datasourceUid === PG_DATASOURCE_UID)!.refId;
  return toNumbers(rows).map(({ labels, value }) => {
    const values: Record<string, number> = { [sqlRef]: value };
    for (const q of r.data) {
      if (q.datasourceUid !== '__expr__') {
        continue;
      }
      const input = values[q.model.expression];
      if (input === undefined) {
        throw new Error(`rule ${r.uid}: ${q.refId} reads ${q.model.expression}, not computed before it`);
      }
      if (q.model.type === 'reduce') {
        values[q.refId] = input; // reducing a number gives the number
      } else if (q.model.type === 'threshold') {
        const { type, params } = q.model.conditions[0].evaluator;
        if (!evaluators[type]) {
          throw new Error(`rule ${r.uid}: threshold type ${type} not modelled here`);
        }
        values[q.refId] = evaluators[type](input, params) ? 1 : 0;
      } else {
        throw new Error(`rule ${r.uid}: expression type ${q.model.type} not modelled here`);
      }
    }
    return { labels, values, firing: values[r.condition] !== 0 };
  });
}

/** The threshold expression's parameter (what one tunes). */
export function thresholdParam(r: GrafanaRule): number {
  const q = r.data.find((d) => d.model.type === 'threshold');
  return q!.model.conditions[0].evaluator.params[0];
}
