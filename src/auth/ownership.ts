import { Role, type Viewer } from './viewer.js';

/** Owner fields of a resource: who may see it besides the back office. */
export interface Owned {
  readonly customerId: string;
  readonly merchantId: string;
  readonly riderId?: string | null;
}

/** A customer sees only their own, a merchant only its own, a rider only the orders it carried. */
export function mayView(viewer: Viewer, resource: Owned): boolean {
  switch (viewer.role) {
    case Role.SUPPORT:
    case Role.FINANCE:
    case Role.ADMIN:
    case Role.SERVICE:
      return true;
    case Role.CUSTOMER:
      return resource.customerId === viewer.subject;
    case Role.MERCHANT:
      return resource.merchantId === viewer.subject;
    case Role.RIDER:
      return resource.riderId === viewer.subject;
  }
}
