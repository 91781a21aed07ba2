import { useCallback, useState } from 'react';
import { api } from './client';
import { asApiError } from '../api/errors';
import type { Server, UnresolvedKind, UnresolvedList } from '../api/types';
import { notifyError, notifySuccess } from '../utils/notify';
import { useResource } from './useResource';

/** Page size of the auto-mapping review. */
export const UNRESOLVED_PAGE_SIZE = 50;

/** One page of the servers auto-mapping could not map, each with why and the applications to pick from. */
export function useUnresolvedMappings(kind: UnresolvedKind, page: number) {
  const load = useCallback(
    () => api.unresolvedMappings({ kind, limit: UNRESOLVED_PAGE_SIZE, offset: (page - 1) * UNRESOLVED_PAGE_SIZE }),
    [kind, page]
  );
  return useResource<UnresolvedList>(load, `unresolved:${kind}:${page}`);
}

/** One click of the review: maps a server by hand (Editors and Admins), toasts, and reloads the review. */
export function useReviewMapping(onChanged: () => void) {
  const [saving, setSaving] = useState<number[]>([]);
  const map = useCallback(
    async (server: Server, applicationId: number | null): Promise<boolean> => {
      setSaving((ids) => [...ids, server.id]);
      try {
        const updated = await api.setMapping(server.id, applicationId);
        notifySuccess(
          `${server.server_name} mapped to ${updated.application_name ?? 'no application'}`,
          'Auto-mapping never changes a manual mapping.'
        );
        onChanged();
        return true;
      } catch (err) {
        notifyError(`Mapping of ${server.server_name} failed`, asApiError(err).message);
        return false;
      } finally {
        setSaving((ids) => ids.filter((id) => id !== server.id));
      }
    },
    [onChanged]
  );
  return { map, saving };
}
