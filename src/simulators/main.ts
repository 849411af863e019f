/**
 * Standalone simulator process: `npm run simulators -- [--wechatpay-port 4010] [--alipay-port 4020]
 * [--data-dir .data/simulators] [--notify-compression 1]`. Loopback only; prints where each listens.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startSimulators } from './index.js';

const { values } = parseArgs({
  options: {
    'wechatpay-port': { type: 'string', default: '4010' },
    'alipay-port': { type: 'string', default: '4020' },
    'data-dir': { type: 'string' },
    'notify-compression': { type: 'string', default: '1' },
    'log-level': { type: 'string', default: 'info' },
  },
});

const logger = pino({ name: 'simulators', level: values['log-level'] });

async function main(): Promise<void> {
  const sims = await startSimulators({
    logger,
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    wechatpay: {
      port: Number(values['wechatpay-port']),
      notify: { timeCompression: Number(values['notify-compression']) },
    },
    others: {
      alipay: {
        port: Number(values['alipay-port']),
        notifyTimeCompression: Number(values['notify-compression']),
      },
    },
  });
  for (const [name, sim] of Object.entries(sims.all))
    logger.info({ simulator: name, url: sim.url, port: sim.port }, 'simulator ready');
  const wx = sims.wechatpay;
  if (wx) {
    // Identifiers only; private keys and the APIv3 key stay in the data dir.
    logger.info(
      {
        mchid: wx.merchant.mchid,
        appid: wx.merchant.appid,
        merchantSerialNo: wx.merchant.serialNo,
        publicKeyId: wx.platform.publicKeyId,
        control: `${wx.url}/__control`,
      },
      'wechatpay merchant',
    );
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping simulators');
    sims.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'simulators failed to start');
  process.exit(1);
});
