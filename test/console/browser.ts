import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, LAUNCH_TIMEOUT_MS } from './chromium.js';

export const ARTIFACTS = path.join(import.meta.dirname, '..', '..', 'test-artifacts', 'console');

/**
 * The run's shared Chromium, launched by the global setup while the suite starts (see
 * test/support/global-setup.ts): a console test file only connects to it, so no browser launch competes
 * with the suite's load. The endpoint file holds the server's WebSocket address, or `failed: …` when the
 * launch failed; without a shared browser (no file, or a failed launch) the file launches its own.
 */
export async function connectChromium(): Promise<Browser> {
  const file = inject('chromiumEndpointFile');
  if (file !== undefined && file !== '') {
    const deadline = Date.now() + LAUNCH_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const content = existsSync(file) ? (await readFile(file, 'utf8')).trim() : '';
      if (content.startsWith('ws')) return chromium.connect(content, { timeout: LAUNCH_TIMEOUT_MS });
      if (content.startsWith('failed')) break;
      await sleep(100);
    }
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS });
}

export interface ConsoleTab {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors, page errors and CSP violations seen so far: every test expects none. */
  readonly problems: string[];
}

/**
 * A fresh browser context (its own sessionStorage) whose clock is in New York, so times shown in
 * Asia/Shanghai prove the page converts them itself.
 */
export async function openConsole(browser: Browser, baseUrl: string): Promise<ConsoleTab> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    timezoneId: 'America/New_York',
    locale: 'en-US',
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto('/console');
  return { context, page, problems };
}

/** No serious or critical axe-core violation, then a full-page screenshot for reviewers. */
export async function checkPage(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const grave = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(grave, `axe-core on ${name}`).toEqual([]);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The development role picker, as a person would use it. */
export async function signInAs(page: Page, role: string, subject: string): Promise<void> {
  const form = page.locator('form', { has: page.locator('select') });
  await form.locator('select').selectOption(role);
  await form.locator('input').fill(subject);
  await form.locator('button[type=submit]').click();
}

/**
 * Prints the page as Chromium would to paper: navigation and forms hidden, A4 pages (595×842 pt) from
 * the stylesheet's `@page`. The PDF goes beside the screenshots.
 */
export async function expectA4Print(page: Page, name: string): Promise<void> {
  await page.emulateMedia({ media: 'print' });
  try {
    expect(await page.locator('header.top').isVisible()).toBe(false);
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, `${name}.pdf`), pdf);
    const boxes = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)];
    expect(boxes.length).toBeGreaterThan(0);
    for (const [, width, height] of boxes) {
      expect(Math.round(Number(width))).toBe(595);
      expect(Math.round(Number(height))).toBe(842);
    }
  } finally {
    await page.emulateMedia({ media: 'screen' });
  }
}
