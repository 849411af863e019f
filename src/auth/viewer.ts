import { registerEnumType } from 'type-graphql';

export enum Role {
  CUSTOMER = 'CUSTOMER',
  MERCHANT = 'MERCHANT',
  RIDER = 'RIDER',
  SUPPORT = 'SUPPORT',
  FINANCE = 'FINANCE',
  ADMIN = 'ADMIN',
  /** The order system and other trusted back ends. */
  SERVICE = 'SERVICE',
}

registerEnumType(Role, { name: 'Role', description: 'What the caller is, from its bearer token.' });

/** Who is calling, as proven by a verified JWT. */
export interface Viewer {
  readonly subject: string;
  readonly role: Role;
}

/** Roles that may read every owner's data (the back office). */
export const BACK_OFFICE: readonly Role[] = [Role.SUPPORT, Role.FINANCE, Role.ADMIN, Role.SERVICE];

export const ALL_ROLES: readonly Role[] = Object.values(Role);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ALL_ROLES as readonly string[]).includes(value);
}
