/**
 * `npm start`'s local simulators in a worker thread. Loading and starting them (their modules, keys
 * and servers) is main-thread work that stands between the launcher and "ready"; in a thread of their
 * own it runs on the other core while the application loads. Only the launcher starts them so: tests
 * and benchmarks start the service with the simulators in its own thread (`app.simulators`).
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logging/index.js';
import type { FallbackCredentials } from '../providers/index.js';
import type { LocalSimulators, LocalSimulatorSettings } from '../simulators/index.js';

export interface SimulatorsWorkerData {
  readonly settings: LocalSimulatorSettings;
  readonly logLevel: string;
}

/** What the worker sends once its simulators listen. */
export interface SimulatorsThreadReport {
  readonly urls: Readonly<Record<string, string>>;
  readonly credentials: FallbackCredentials;
}

/** Starts the simulators in a worker thread; resolves once they listen, rejects with their start's error. */
export function startSimulatorsThread(
  settings: LocalSimulatorSettings,
  logger: Logger,
): Promise<LocalSimulators> {
  const worker = new Worker(new URL('./simulators-worker.js', import.meta.url), {
    workerData: { settings, logLevel: logger.level } satisfies SimulatorsWorkerData,
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let started = false;
  return new Promise<LocalSimulators>((resolve, reject) => {
    worker.on('error', (error: unknown) => {
      if (started) logger.error({ err: error }, 'the simulators thread failed');
      // Its start's error, as thrown there (an EADDRINUSE keeps its code and port).
      else reject(error instanceof Error ? error : new Error(String(error)));
    });
    void exited.then(() => reject(new Error('the simulators thread ended before they started')));
    worker.once('message', (report: SimulatorsThreadReport) => {
      started = true;
      resolve({
        simulators: undefined,
        ...report,
        close: async () => {
          worker.postMessage('close');
          await exited;
        },
      });
    });
  });
}
