import { Field, InputType, ObjectType } from 'type-graphql';
import { formatMoney, parseMoney, type Money, type Sign } from './money.js';

/** Money over GraphQL: strings only, never floats. */
@ObjectType('Money', { description: 'An amount of one currency. Strings only: never a float.' })
export class MoneyType {
  @Field(() => String, { description: 'Decimal amount with exactly the currency’s digits, e.g. "12.30".' })
  amount!: string;

  @Field(() => String, { description: 'Amount in minor units (fen for CNY) as an integer string.' })
  minor!: string;

  @Field(() => String, { description: 'ISO 4217 currency code.' })
  currency!: string;
}

@InputType('MoneyInput', { description: 'A decimal amount; more digits than the currency has are refused.' })
export class MoneyInput {
  @Field(() => String, { description: 'Decimal string, e.g. "12.30".' })
  amount!: string;

  @Field(() => String, { description: 'ISO 4217 currency code.' })
  currency!: string;
}

export function toMoneyType(value: Money): MoneyType {
  const out = new MoneyType();
  out.amount = formatMoney(value);
  out.minor = value.amountMinor.toString();
  out.currency = value.currency;
  return out;
}

export function fromMoneyInput(input: MoneyInput, sign: Sign = 'positive'): Money {
  return parseMoney(input.amount, input.currency, sign);
}
