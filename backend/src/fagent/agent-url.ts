/**
 * A host's FAgent URL as a URL, or why it is refused. The URL is a base that request paths are appended to:
 * http(s) only, and no credentials, which would be stored and shown like any other field (the agent's token
 * has a field of its own).
 */
export function parseAgentUrl(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'FAgent URL is not a URL (e.g. http://haproxy-host:9100)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `FAgent URL must use http or https, not ${url.protocol.replace(/:$/, '')}`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'FAgent URL must not carry credentials (user:password@): set the host’s agent token instead';
  }
  if (url.search !== '' || url.hash !== '') {
    return 'FAgent URL must not have a query or a fragment: request paths are appended to it';
  }
  return url;
}

/** Why a host's FAgent URL is refused, or undefined when it is usable (for the API's input checks). */
export function agentUrlProblem(raw: string): string | undefined {
  const parsed = parseAgentUrl(raw);
  return typeof parsed === 'string' ? parsed : undefined;
}
