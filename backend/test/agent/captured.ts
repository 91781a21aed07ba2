import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitReplies } from '../../src/agent/runtime-api';

/**
 * Outputs captured from a real HAProxy 2.6 by fixtures/capture.ts: `lb` is fixtures/lb.cfg after a few
 * runtime commands, `empty-instance` a process whose only backend has no servers.
 */
export function capturedReply(name: 'lb' | 'empty-instance'): string {
  return readFileSync(join(__dirname, 'fixtures', `${name}-snapshot.txt`), 'utf8');
}

/** The three outputs of the agent's snapshot batch, apart. */
export function capturedSnapshot(name: 'lb' | 'empty-instance'): { info: string; stat: string; state: string } {
  const [info, stat, state] = splitReplies(capturedReply(name), 3);
  return { info, stat, state };
}

export const WEB = 'web.front-end_v2:blue';
