import { useCallback } from 'react';
import type { ProxyRole } from '../api/http';
import type { ApiToken, ApiTokenInput, CreatedApiToken } from '../api/types';
import { notifySuccess } from '../utils/notify';
import { api } from './client';
import { changeWithToast } from './mutation';
import { useResource } from './useResource';

/** The backend's API tokens (an admin's read: `enabled` only for Admins). */
export function useTokens(enabled: boolean) {
  return useResource<ApiToken[]>(api.tokens, 'tokens', { enabled });
}

const PLUGIN_ROLES: ProxyRole[] = ['viewer', 'editor', 'admin'];

/** Which tokens this app sends for each Grafana role, by token name: revoking one of them breaks the app. */
async function pluginTokenRoles(): Promise<Record<string, ProxyRole[]>> {
  const names = await Promise.all(
    PLUGIN_ROLES.map((role) =>
      api.me(role).then(
        (me) => me.token_name,
        () => null
      )
    )
  );
  const out: Record<string, ProxyRole[]> = {};
  names.forEach((name, i) => name && (out[name] = [...(out[name] ?? []), PLUGIN_ROLES[i]]));
  return out;
}

export function usePluginTokenRoles(enabled: boolean) {
  return useResource<Record<string, ProxyRole[]>>(pluginTokenRoles, 'plugin-token-roles', { enabled });
}

/** An admin's changes to tokens. `create` rejects with the backend's refusal, for the form. */
export function useTokenMutations(onChanged: () => void) {
  const create = useCallback(
    async (input: ApiTokenInput): Promise<CreatedApiToken> => {
      const created = await api.createToken(input);
      notifySuccess(`Token ${created.record.name} created`, 'Copy it now: it is not shown again.');
      onChanged();
      return created;
    },
    [onChanged]
  );
  const revoke = useCallback(
    async (token: ApiToken) =>
      (await changeWithToast(
        () => api.revokeToken(token.id),
        { title: `Token ${token.name} revoked`, detail: 'The backend refuses it from now on.' },
        `Token ${token.name} could not be revoked`
      )) && onChanged(),
    [onChanged]
  );
  return { create, revoke };
}
