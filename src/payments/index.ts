export { OrderSchema, type Order } from './order.entity.js';
export { PaymentSchema, type Payment } from './payment.entity.js';
export { PaymentsError, type PaymentsErrorCode } from './payments.errors.js';
export {
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type OrderRefundStatus,
  type OrderView,
  type PaymentView,
  type RecordPaymentInput,
  type ReportOrderInput,
} from './payments.model.js';
export {
  ordersWithPaymentsPart,
  PaymentsService,
  providerName,
  type OrderWithPayments,
  type RecordPaymentResult,
} from './payments.service.js';
export { OrderResolver, PaymentResolver } from './payments.resolver.js';
export { OrderType, PaymentChannel, PaymentType, toOrderType, toPaymentType } from './payments.types.js';
export { ORDERS_30D_SQL } from './payment.figures.js';
export { overdueOrders } from './order.overdue.js';
