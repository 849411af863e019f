export { currencyOf, isCurrencyCode, minorDigits, type Currency, type CurrencyCode } from './currency.js';
export {
  INT8_MAX,
  INT8_MIN,
  addMoney,
  allocateMoney,
  compareMoney,
  formatMoney,
  formatMoneyDisplay,
  fromDinero,
  money,
  moneyEquals,
  negateMoney,
  parseMoney,
  requireSign,
  subtractMoney,
  sumMoney,
  toDinero,
  type Money,
  type Sign,
} from './money.js';
export { MoneyError, type MoneyErrorCode } from './money.errors.js';
export { MoneyInput, MoneyType, fromMoneyInput, toMoneyType } from './money.types.js';
