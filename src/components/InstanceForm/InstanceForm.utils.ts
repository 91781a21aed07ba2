import type { Instance, InstanceInput } from '../../api/types';
import { scopeOf, type ScopeValues } from '../ScopeEditor/ScopeEditor.utils';

/** What the instance form holds, as typed. */
export interface InstanceFormValues {
  name: string;
  socketPath: string;
  isActive: boolean;
  scope: ScopeValues;
}

const sameScope = (a: string[] | null, b: string[] | null) => JSON.stringify(a) === JSON.stringify(b);

/** The body to send: a new instance as typed; for a saved one only what changed. */
export function instanceRequest(
  hostId: number,
  instance: Instance | undefined,
  v: InstanceFormValues
): Partial<InstanceInput> {
  const scope = scopeOf(v.scope);
  const socketPath = v.socketPath === '' ? null : v.socketPath;
  if (!instance) {
    return { host_id: hostId, name: v.name, socket_path: socketPath, is_active: v.isActive, backend_scope: scope };
  }
  return {
    ...(v.name !== instance.name ? { name: v.name } : {}),
    ...(socketPath !== instance.socket_path ? { socket_path: socketPath } : {}),
    ...(v.isActive !== instance.is_active ? { is_active: v.isActive } : {}),
    ...(!sameScope(scope, instance.backend_scope) ? { backend_scope: scope } : {}),
  };
}
