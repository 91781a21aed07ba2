import { config } from '@grafana/runtime';

/**
 * Editors and Admins may act (commands, sync, mapping); Viewers only read. This mirrors the plugin proxy
 * routes' reqRole (Viewer for GET, Editor for mutations), so hiding the buttons never hides something the
 * proxy would allow. The backend still checks its own token role.
 */
export function canUserAct(): boolean {
  const user = config.bootData?.user;
  if (!user) {
    return false;
  }
  return user.isGrafanaAdmin === true || user.orgRole === 'Editor' || user.orgRole === 'Admin';
}
