import { useCallback } from 'react';
import { api } from './client';
import type { Application, ApplicationDetail, ApplicationInput, Server } from '../api/types';
import { notifySuccess } from '../utils/notify';
import { changeWithToast } from './mutation';
import { useResource } from './useResource';

/** Applications (the mapping picker loads them only when it is opened: `enabled`). */
export function useApplications(enabled = true) {
  return useResource<Application[]>(api.applications, 'applications', { enabled });
}

/** Most servers one application's row lists; its count says when there are more. */
export const MAPPED_SERVERS_SHOWN = 500;

/** The current servers mapped to one application, refreshed every `refreshMs` when set (a job moving them). */
export function useApplicationServers(applicationId: number, refreshMs = 0, enabled = true) {
  const load = useCallback(
    async () => (await api.servers({ application_id: applicationId, limit: MAPPED_SERVERS_SHOWN })).servers as Server[],
    [applicationId]
  );
  return useResource<Server[]>(load, `application-servers:${applicationId}`, { refreshMs, enabled });
}

/** An admin's changes to applications. `save` rejects with the backend's refusal, for the form. */
export function useApplicationMutations(onChanged: () => void) {
  const save = useCallback(
    async (app: Application | undefined, input: Partial<ApplicationInput>): Promise<Application> => {
      const saved = app
        ? await api.updateApplication(app.id, input)
        : await api.createApplication(input as ApplicationInput);
      notifySuccess(app ? `Application ${saved.name} saved` : `Application ${saved.name} created`);
      onChanged();
      return saved;
    },
    [onChanged]
  );
  const remove = useCallback(
    async (app: Application) =>
      (await changeWithToast(
        () => api.deleteApplication(app.id),
        {
          title: `Application ${app.name} deleted`,
          detail: 'Its servers are unmapped; auto-mapping decides again at the next sync.',
        },
        `Application ${app.name} could not be deleted`
      )) && onChanged(),
    [onChanged]
  );
  return { save, remove };
}

/** One application with its own budget and each of its backends with theirs. */
export function useApplication(id: number, enabled = true) {
  const load = useCallback(() => api.application(id), [id]);
  return useResource<ApplicationDetail>(load, `application:${id}`, { enabled });
}
