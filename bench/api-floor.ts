/**
 * The api's floor: what one GraphQL operation costs the api process when its resolver does nothing,
 * measured with the same load generator and clients as the real thing. A process of its own (as the
 * api role runs in the benchmarks) serves the service's own stack, built by the service's own code:
 *
 *   Fastify (`createHttpServer`: security headers, bearer-token verification on every request, the rate
 *   limiter, request metrics, the per-request access log line through pino to a pipe, the error
 *   handler), Apollo Server with the service's plugins (request ids, the input guard, GraphQL metrics,
 *   tracing hooks, query limits on parse and validation), the whole type-graphql schema of the app
 *   (`createResolvers`, `buildGraphQLSchema`: the `@Authorized` check and the conversion of the
 *   arguments to their input classes), and the response's serialization.
 *
 * Only the resolver's method of the operation's root field is replaced, on its resolver instance: it
 * answers `answer` (a value of the field's type as the real method returns it, e.g. a real answer's
 * `data[field]`), without any service, SQL, connection pool or ORM. So the floor leaves out exactly what
 * the operation itself does (the service, the driver, PostgreSQL, the refund command, its logs).
 *
 *   const floor = await ApiFloor.start(document, answer, env);   // env: the api process's environment
 *   await floor.round(() => loadWorker.run({ ...input, url: floor.url }, 'floor'));
 *   floor.result();  await floor.stop();
 */
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { Kind, OperationTypeNode, parse, type OperationDefinitionNode } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { createTokenVerifier } from '../src/auth/index.js';
import { loadConfig } from '../src/config/index.js';
import { buildGraphQLSchema } from '../src/graphql/index.js';
import { createHttpServer } from '../src/http/index.js';
import { createLogger } from '../src/logging/index.js';
import { createResolvers, type AppServices } from '../src/main.js';
import { Metrics } from '../src/metrics/index.js';
import { startTracing } from '../src/tracing/index.js';
import { cpuMeter, treeCpuMs, type CpuByRole } from './cpu.js';
import { startNodeProcess, stopProcess } from './processes.js';
import type { PartOutput } from './rounds.js';

/** The CPU roles of a floor round: the floor's process and the load generator's thread. */
export const API_FLOOR = 'api floor';
export const LOAD_GENERATOR = 'load generator';

/** The root field a document's (first) operation selects, and whether it is a query or a mutation. */
export function rootFieldOf(document: string): { operation: 'query' | 'mutation'; field: string } {
  const op = parse(document).definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const first = op?.selectionSet.selections[0];
  if (!op || op.operation === OperationTypeNode.SUBSCRIPTION || first?.kind !== Kind.FIELD) {
    throw new Error('the floor takes a query or mutation selecting one root field');
  }
  const operation = op.operation === OperationTypeNode.MUTATION ? 'mutation' : 'query';
  return { operation, field: first.name.value };
}

/** The app's resolver instances (no services) with the method behind `document`'s root field answering `answer`. */
export function floorResolvers(document: string, answer: unknown): object[] {
  const { operation, field } = rootFieldOf(document);
  const storage = getMetadataStorage();
  const all = operation === 'mutation' ? storage.mutations : storage.queries;
  const meta = all.find((m) => m.schemaName === field);
  if (!meta) throw new Error(`no ${operation} ${field} in the schema`);
  const resolvers = createResolvers({} as AppServices);
  const instance = resolvers.find((r) => r.constructor === meta.target);
  if (!instance) throw new Error(`no resolver instance for ${meta.target.name}`);
  Object.defineProperty(instance, meta.methodName, { value: () => Promise.resolve(answer) });
  return resolvers;
}

/** Over the rounds: calls answered, the CPU by role, the rounds' rates. */
export interface ApiFloorResult {
  readonly calls: number;
  readonly seconds: number;
  readonly cpu: CpuByRole;
  readonly rounds: readonly number[];
}

/** The floor's process, and its rounds' figures. */
export class ApiFloor {
  private cpu: CpuByRole = {};
  private calls = 0;
  private seconds = 0;
  private readonly rates: number[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /** Starts the floor's process with the api's environment (`env`, as the benchmark's api gets it). */
  static async start(document: string, answer: unknown, env: Record<string, string>): Promise<ApiFloor> {
    const { child, url } = await startNodeProcess('api floor', new URL(import.meta.url), [], {
      ...env,
      API_FLOOR_DOCUMENT: document,
      API_FLOOR_ANSWER: JSON.stringify(answer),
    });
    return new ApiFloor(child, url);
  }

  /**
   * One round: `part` drives the load (the benchmark's own load generator, pointed at `this.url`); the
   * floor process's CPU is metered around it, the load generator reports its own.
   */
  async round(part: () => Promise<PartOutput>): Promise<PartOutput> {
    const meter = cpuMeter({ [API_FLOOR]: () => treeCpuMs(this.child.pid!) });
    const out = await part();
    const used = { ...meter(), [LOAD_GENERATOR]: out.cpuMs };
    if (out.latenciesMs.length === 0) {
      throw new Error(`api floor round answered nothing (${out.failed} failed): no figure to report`);
    }
    for (const [role, ms] of Object.entries(used)) this.cpu[role] = (this.cpu[role] ?? 0) + ms;
    this.calls += out.latenciesMs.length;
    this.seconds += out.seconds;
    this.rates.push(out.latenciesMs.length / out.seconds);
    return out;
  }

  result(): ApiFloorResult {
    return { calls: this.calls, seconds: this.seconds, cpu: this.cpu, rounds: this.rates };
  }

  async stop(): Promise<void> {
    await stopProcess({ child: this.child });
  }
}

/** The floor's process: the api's HTTP and GraphQL stack around the one stubbed resolver method. */
async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel });
  const document = process.env['API_FLOOR_DOCUMENT'] ?? '';
  const answer: unknown = JSON.parse(process.env['API_FLOOR_ANSWER'] ?? 'null');
  const tracing = config.tracing.enabled
    ? await startTracing({
        serviceName: config.tracing.serviceName,
        exporter: { otlpUrl: config.tracing.otlpUrl },
      })
    : undefined;
  const server = await createHttpServer({
    logger,
    schema: await buildGraphQLSchema(floorResolvers(document, answer)),
    tokens: createTokenVerifier(config.auth),
    readiness: () => Promise.resolve({ ready: true, checks: {} }),
    graphql: config.graphql,
    rateLimit: config.rateLimit,
    tls: config.tls,
    trustProxy: config.trustProxy,
    metrics: new Metrics('api', undefined),
    metricsToken: config.metrics.token,
  });
  await server.app.listen({ host: config.http.host, port: config.http.port });
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.info({ graphql: `http://127.0.0.1:${port}/graphql` }, 'ready');
  process.once('SIGTERM', () => {
    void server
      .close()
      .then(() => tracing?.shutdown())
      .finally(() => process.exit(0));
  });
}

if (import.meta.main) await serve();
