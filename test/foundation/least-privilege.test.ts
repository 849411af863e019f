import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { StartedAlipaySimulator } from '../../src/simulators/alipay/index.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createOrm, migrateUp, provisionRoles, quoteIdent, type DatabaseRoles } from '../../src/db/index.js';
import { entities } from '../../src/entities.js';
import { startJobQueue } from '../../src/jobs/index.js';
import { createLogger } from '../../src/logging/index.js';
import { startApp, type RunningApp } from '../../src/main.js';
import { withDatabase } from '../support/global-setup.js';
import { TEST_JWT, tokenFor } from '../support/app.js';

/**
 * Migrations as the owner role, the service as the runtime role: the service works, and the runtime
 * role can neither switch the ledger's triggers off nor rewrite its rows.
 */
describe('least-privilege database roles', () => {
  const adminUrl = inject('pgAdminUrl');
  const database = `roles_${process.pid}`;
  const roles: DatabaseRoles = {
    owner: { name: `t_owner_${process.pid}`, password: 'owner-secret' },
    runtime: { name: `t_app_${process.pid}`, password: 'app-secret' },
  };
  const logger = createLogger({ level: 'silent' });
  const as = (role: DatabaseRoles['owner']): string => {
    const url = new URL(withDatabase(adminUrl, database));
    url.username = role.name;
    url.password = role.password;
    return url.toString();
  };
  let app: RunningApp;
  let runtime: pg.Client;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${quoteIdent(database)}`);
    await admin.end();
    await provisionRoles(adminUrl, database, roles);
    const orm = await createOrm({ url: as(roles.owner), poolMax: 2, entities, logger });
    await migrateUp(orm, { runtimeRole: roles.runtime.name });
    await orm.close(true);
    // pg-boss installs its schema as the runtime role (which owns `pgboss`).
    const jobs = await startJobQueue({ url: as(roles.runtime), role: 'api', logger });
    await jobs.stop();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: as(roles.runtime),
      MIGRATE_ON_START: 'false',
      SIMULATORS: 'true',
      SIMULATOR_WECHATPAY_PORT: '0',
      SIMULATOR_ALIPAY_PORT: '0',
      DATA_DIR: path.join(tmpdir(), `refunds-roles-${process.pid}`),
      REFUND_FIRST_POLL_ALIPAY_MS: '1000',
      JWT_HS256_SECRET: TEST_JWT.secret,
    });
    app = await startApp(config, 'all', logger);
    runtime = new pg.Client({ connectionString: as(roles.runtime) });
    await runtime.connect();
  }, 120_000);

  afterAll(async () => {
    await runtime?.end();
    await app?.stop();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${quoteIdent(database)} with (force)`);
    for (const role of [roles.runtime, roles.owner])
      await admin.query(`drop role if exists ${quoteIdent(role.name)}`);
    await admin.end();
  });

  const refused = async (statement: string): Promise<string | undefined> => {
    await runtime.query('begin');
    try {
      await runtime.query(statement);
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    } finally {
      await runtime.query('rollback');
    }
  };

  async function gql(query: string, variables: object, role: string, sub: string) {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await tokenFor(role as never, sub)}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as {
      data?: Record<string, { refund?: { id: string } }>;
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    return body.data!;
  }

  it('the service runs as the runtime role: an order, its payment and a refund with its ledger entry', async () => {
    const { rows } = await runtime.query<{ rolsuper: boolean }>(
      'select rolsuper from pg_roles where rolname = current_user',
    );
    expect(rows).toEqual([{ rolsuper: false }]);
    const money = { amount: '30.00', currency: 'CNY' };
    const alipay = app.simulators!.all['alipay'] as StartedAlipaySimulator;
    const { tradeNo } = alipay.sim.createPayment({ outTradeNo: 'T_roles', amountFen: 3_000 });
    await gql(
      `mutation($input: ReportOrderInput!) { reportOrder(input: $input) { id } }`,
      {
        input: {
          id: 'o_roles',
          customerId: 'c_roles',
          merchantId: 'm_roles',
          total: money,
          deliveryStatus: 'DELIVERED',
          statusChangedAt: new Date().toISOString(),
          paymentChannel: 'ALIPAY',
          outTradeNo: 'T_roles',
        },
      },
      'SERVICE',
      'order-system',
    );
    await gql(
      `mutation($input: RecordPaymentInput!) { recordPayment(input: $input) { payment { id } } }`,
      {
        input: {
          orderId: 'o_roles',
          channel: 'ALIPAY',
          outTradeNo: 'T_roles',
          providerTransactionId: tradeNo,
          amount: money,
          capturedAt: new Date().toISOString(),
        },
      },
      'SERVICE',
      'order-system',
    );
    const requested = await gql(
      `mutation($input: RequestRefundInput!) { requestRefund(input: $input) { refund { id } } }`,
      {
        input: {
          idempotencyKey: 'roles-refund-1',
          orderId: 'o_roles',
          amount: { amount: '10.00', currency: 'CNY' },
          reason: 'cold',
          liableParty: 'MERCHANT',
        },
      },
      'SUPPORT',
      'agent_1',
    );
    const refundId = requested['requestRefund']!.refund!.id;
    // Submitted by the worker, settled, posted: every writer ran as the runtime role.
    const deadline = Date.now() + 20_000;
    let status = '';
    while (status !== 'SUCCEEDED' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { rows: found } = await runtime.query<{ status: string }>(
        `select status from refund where id = $1`,
        [refundId],
      );
      status = found[0]!.status;
    }
    expect(status).toBe('SUCCEEDED');
    const { rows: entries } = await runtime.query<{ kind: string }>(
      `select kind from journal_entry where reference_id = $1 order by created_at`,
      [refundId],
    );
    expect(entries.map((e) => e.kind)).toEqual(['REFUND_APPROVED', 'REFUND_SUCCEEDED']);
  });

  it.each([
    ['set session_replication_role = replica', '42501'],
    ['alter table posting disable trigger all', '42501'],
    ['update posting set amount_minor = amount_minor + 1', '42501'],
    ['delete from journal_entry', '42501'],
    ['truncate posting', '42501'],
    ['update ledger_account set debits_minor = 0', '42501'],
    ['drop trigger posting_append_only on posting', '42501'],
  ])('refuses: %s', async (statement, code) => {
    expect(await refused(statement)).toBe(code);
  });
});
