import picomatch from 'picomatch';

/**
 * Selective polling: null means every backend; otherwise a backend is in scope when it equals a name or
 * matches a glob pattern of the list. Names are matched literally except for glob characters.
 */
export function compileScope(scope: readonly string[] | null): (backend: string) => boolean {
  if (scope === null) {
    return () => true;
  }
  const exact = new Set(scope);
  const globs = scope.filter((p) => picomatch.scan(p).isGlob).map((p) => picomatch(p, { dot: true, nocase: false }));
  return (backend) => exact.has(backend) || globs.some((m) => m(backend));
}
