import { Role, type Viewer } from './viewer.js';

/** Owner fields of a resource: who may see it besides the back office. */
export interface Owned {
  readonly customerId: string;
  readonly merchantId: string;
  readonly riderId?: string | null;
}

const BACK_OFFICE_ROLES: readonly Role[] = [Role.SUPPORT, Role.FINANCE, Role.ADMIN, Role.SERVICE];

/** A customer sees only their own, a merchant only its own, a rider only the orders it carried. */
export function mayView(viewer: Viewer, resource: Owned): boolean {
  if (BACK_OFFICE_ROLES.includes(viewer.role)) return true;
  switch (viewer.role) {
    case Role.CUSTOMER:
      return resource.customerId === viewer.subject;
    case Role.MERCHANT:
      return resource.merchantId === viewer.subject;
    case Role.RIDER:
      return resource.riderId === viewer.subject;
    default:
      return false;
  }
}
