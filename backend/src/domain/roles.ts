export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Each role may do what the ones below it may. */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };
