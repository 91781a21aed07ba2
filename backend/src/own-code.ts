import path from 'node:path';

/**
 * The node options a thread or a child process needs to run `file`, a module of this package: none for the
 * built JavaScript; run from the TypeScript sources (the tests), the hook that loads them the way jest does.
 */
export function execArgvFor(file: string): string[] {
  return file.endsWith('.ts') ? ['-r', path.join(__dirname, '..', 'test', 'support', 'ts-register.js')] : [];
}
