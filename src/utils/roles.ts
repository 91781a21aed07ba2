import { config } from '@grafana/runtime';

type OrgRole = 'Viewer' | 'Editor' | 'Admin';
const RANK: Record<OrgRole, number> = { Viewer: 1, Editor: 2, Admin: 3 };

/**
 * Whether the signed-in user's organization role includes `role`: the check Grafana's plugin proxy makes for a
 * route's reqRole (src/plugin.json), so hiding a control never hides something the proxy would allow. Being a
 * Grafana server admin does not count: the proxy checks the org role. The backend still checks its token's role.
 */
function hasOrgRole(role: OrgRole): boolean {
  const orgRole = config.bootData?.user?.orgRole as OrgRole | undefined;
  return orgRole !== undefined && RANK[orgRole] >= RANK[role];
}

/** Editors and Admins may act (commands, sync, mapping); Viewers only read. */
export function canUserAct(): boolean {
  return hasOrgRole('Editor');
}

/** Admins register and change hosts, instances and applications, restore and forget removals. */
export function canUserAdminister(): boolean {
  return hasOrgRole('Admin');
}
