/** Generates HAProxy configs for the demo fleet and the tests: a stats socket we control plus proxies. */

export interface HaproxyServerSpec {
  name: string;
  /** "host:port" as written in the config, e.g. "127.0.0.1:8081" or "localhost:8081". */
  address: string;
  /** Server keywords as HAProxy takes them, e.g. "check", "check backup", "disabled", "maxconn 100". */
  options?: string;
}

export interface HaproxyBackendSpec {
  name: string;
  servers: HaproxyServerSpec[];
  /** Lines of the backend section, e.g. "option httpchk GET /health". */
  lines?: string[];
}

export interface HaproxyFrontendSpec {
  name: string;
  /** "127.0.0.1:port" */
  bind: string;
  backend: string;
}

export interface HaproxyConfigSpec {
  /** Stats socket path; it is opened with `level admin` so commands work. */
  socketPath: string;
  backends?: HaproxyBackendSpec[];
  frontends?: HaproxyFrontendSpec[];
  /** Raw config text appended as is (sections the spec cannot express). */
  extra?: string;
  /** Health-check interval; short so statuses settle quickly in demos and tests. */
  checkIntervalMs?: number;
}

export function renderHaproxyConfig(spec: HaproxyConfigSpec): string {
  const inter = spec.checkIntervalMs ?? 1000;
  const lines = [
    'global',
    `  stats socket ${spec.socketPath} mode 600 level admin`,
    '  stats timeout 10s',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 10s',
    '  timeout server 10s',
    // One failed or passed check flips the state: the fleet shows real statuses within a second.
    `  default-server inter ${inter}ms fastinter ${inter}ms downinter ${inter}ms rise 1 fall 1`,
    // Without it a check's read timeout is `inter`: with fall 1, one answer slower than that from a
    // busy upstream (a test's event loop) would mark a healthy server DOWN.
    '  timeout check 2s',
    '',
  ];
  for (const fe of spec.frontends ?? []) {
    lines.push(`frontend ${fe.name}`, `  bind ${fe.bind}`, `  default_backend ${fe.backend}`, '');
  }
  for (const be of spec.backends ?? []) {
    lines.push(`backend ${be.name}`);
    for (const line of be.lines ?? []) {
      lines.push(`  ${line}`);
    }
    for (const s of be.servers) {
      lines.push(`  server ${s.name} ${s.address}${s.options ? ` ${s.options}` : ''}`);
    }
    lines.push('');
  }
  if (spec.extra) {
    lines.push(spec.extra, '');
  }
  return lines.join('\n');
}
