/**
 * The worker thread of `npm start`'s local simulators (see simulators-thread.ts): starts them, sends
 * back their URLs and the adapters' credentials, and closes them when told to.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../logging/index.js';
import { startLocalSimulators, type LocalSimulatorSettings } from '../simulators/index.js';
import type { SimulatorsThreadReport, SimulatorsWorkerData } from './simulators-thread.js';

const { settings, logLevel } = workerData as SimulatorsWorkerData;
const port = parentPort!;
const local = await startLocalSimulators(
  settings satisfies LocalSimulatorSettings,
  createLogger({ level: logLevel }),
);
port.on('message', () => {
  // The only message is "close": the thread ends once its servers are closed.
  void local.close().then(() => port.close());
});
port.postMessage({ urls: local.urls, credentials: local.credentials } satisfies SimulatorsThreadReport);
