/** The ORM's view of this module (imported by src/db/entities.ts; pulls in no services, so no cycles). */
export { OrderSchema, type Order } from './order.entity.js';
export { PaymentSchema, type Payment } from './payment.entity.js';
