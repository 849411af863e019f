import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { StatementFormat, StatementParse } from './payment-provider.js';
import type { ByteSource } from './statement-csv.js';
import { parseTradeBill } from './wechatpay/index.js';

/** Parses a stored statement file as it streams in (gunzip / unzip + GBK as its format needs). */
export function parseStatementFile(format: StatementFormat, bytes: ByteSource): StatementParse {
  switch (format) {
    case 'WECHATPAY_TRADEBILL_GZIP':
      return parseTradeBill(
        pipeline(Readable.from(bytes), createGunzip({ chunkSize: 1 << 16 }), () => undefined),
      );
    case 'WECHATPAY_TRADEBILL_CSV':
      return parseTradeBill(bytes);
    case 'ALIPAY_TRADE_ZIP':
      return parseAlipayLazily(bytes);
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}

/** The Alipay parser (GBK tables, unzip) loads with the first Alipay statement, not with the service. */
async function* parseAlipayLazily(bytes: ByteSource): StatementParse {
  const { parseAlipayBillZip } = await import('./alipay/alipay-statement.parser.js');
  return yield* parseAlipayBillZip(bytes);
}
