/** The ORM's view of this module (the entity list in src/main.ts imports it; it pulls in no services). */
export { OrderSchema, type Order } from './order.entity.js';
export { PaymentSchema, type Payment } from './payment.entity.js';
