import { existsSync, writeFileSync } from 'node:fs';
import { chromium, type BrowserServer } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it when missing); playwright-core downloads no browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** A browser launch under a full suite on 2 cores took over 30 s once; the hooks allow 60 s. */
export const LAUNCH_TIMEOUT_MS = 50_000;

/**
 * Starts the shared browser server in the background and writes its endpoint to `file` when it is up
 * (or `failed: <reason>`); returns the function that closes it. Nothing when Chromium is not installed.
 */
export function startSharedChromium(file: string): () => Promise<void> {
  if (!existsSync(CHROMIUM)) return async () => {};
  const launching: Promise<BrowserServer | undefined> = chromium
    .launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS })
    .then((server) => {
      writeFileSync(file, server.wsEndpoint());
      return server;
    })
    .catch((error: unknown) => {
      writeFileSync(file, `failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
  return async () => {
    await (await launching)?.close();
  };
}
