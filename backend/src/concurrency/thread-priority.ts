import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Gives the calling thread alone a niceness of at least `nice` (0 to 19), so that on a busy machine the event
 * loops that answer Grafana, and PostgreSQL, get a core before it. On Linux a thread has its own priority,
 * set through its thread id (/proc/thread-self). Answers whether it was set: elsewhere, or where the thread
 * is already nicer, nothing changes.
 */
export function niceThisThread(nice: number): boolean {
  if (nice <= 0) {
    return false;
  }
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    if (!Number.isInteger(tid) || os.getPriority(tid) >= nice) {
      return false;
    }
    os.setPriority(tid, Math.min(19, nice));
    return true;
  } catch {
    return false;
  }
}
