/** How an instance's polling scope is edited: every backend, or the names and patterns listed one per line. */
export type ScopeMode = 'all' | 'some';

export interface ScopeValues {
  mode: ScopeMode;
  /** One name or glob per line, as typed. */
  text: string;
}

export function scopeValuesOf(scope: string[] | null): ScopeValues {
  return scope ? { mode: 'some', text: scope.join('\n') } : { mode: 'all', text: '' };
}

/** The scope to send: null for every backend, else each non-blank line as typed (the backend trims and checks). */
export function scopeOf(v: ScopeValues): string[] | null {
  return v.mode === 'all' ? null : v.text.split('\n').filter((line) => line.trim() !== '');
}
