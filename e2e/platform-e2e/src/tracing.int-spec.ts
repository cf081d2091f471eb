import { randomBytes, randomUUID } from 'node:crypto';
import { TRACE_IDENTITIES, traceAuthorization, ZIPKIN_PORT } from '@dsp/contracts';
import { eventually, idemKey, shopper, startPlatform, type PlatformFleet } from '@dsp/testing';

const ZIPKIN = `http://127.0.0.1:${process.env['STACK_ZIPKIN_PORT'] ?? ZIPKIN_PORT}`;
const OPERATOR = { authorization: traceAuthorization(TRACE_IDENTITIES.operator) };

/** A span as Zipkin's v2 API returns it. */
interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

const service = (s: ZipkinSpan): string => s.localEndpoint?.serviceName ?? '';
/** The database a client span talked to (`mysql`, `redis`), by the semantic conventions old or new. */
const dbSystem = (s: ZipkinSpan): string | undefined => s.tags?.['db.system.name'] ?? s.tags?.['db.system'];

/** The trace's spans once every hop has reported (each service exports every 2 s), or the last failure. */
async function traceOf(traceId: string, complete: (spans: ZipkinSpan[]) => void): Promise<ZipkinSpan[]> {
  return eventually(
    async () => {
      const res = await fetch(`${ZIPKIN}/api/v2/trace/${traceId}`, { headers: OPERATOR });
      if (res.status !== 200) throw new Error(`Zipkin has no trace ${traceId} yet (${res.status})`);
      const spans = (await res.json()) as ZipkinSpan[];
      complete(spans);
      return spans;
    },
    30_000,
    500,
  );
}

/**
 * Tracing across every hop of an order (issue 16, docs/telemetry.md): a
 * client's sampled `traceparent` makes one trace in Zipkin (through the trace
 * guard, read as the operator) with the gateway, order-service and its user
 * check, the SQL statements, the outbox relay's publish and user-service's
 * Kafka consumer, each span a child of the hop before. The fleet samples 0% of
 * new traces, so everything recorded here was recorded because the caller's
 * decision travelled with the request and, through the outbox row, with the
 * event. Each request's access-log line names its request id, route, status,
 * duration, trace and upstream instance.
 */
describe('one order, one trace (real gateway, services, MariaDB, Kafka, Zipkin)', () => {
  let fleet: PlatformFleet;

  beforeAll(async () => {
    fleet = await startPlatform({ users: 1, orders: 1, env: { TRACING_SAMPLE_RATIO: '0' } });
  }, 120_000);
  afterAll(() => fleet?.stop());

  it('should record the order from the gateway to the projector as one trace, each hop the child of the one before', async () => {
    const buyer = await shopper(fleet.gateway.url);
    const traceId = randomBytes(16).toString('hex');
    const requestId = `e2e-trace-${randomUUID()}`;
    const res = await buyer.client.post<{ id: string }>(
      '/api/orders',
      { items: [{ sku: 'SKU-MUG', quantity: 1 }] },
      {
        headers: {
          'idempotency-key': idemKey(),
          'x-request-id': requestId,
          traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
        },
      },
    );
    expect(res.status).toBe(201);

    const spans = await traceOf(traceId, (all) => {
      const seen = all.map((s) => `${service(s)} ${s.kind ?? 'LOCAL'} ${s.name ?? ''}`);
      const has = (svc: string, kind: string, name?: RegExp): boolean =>
        all.some((s) => service(s) === svc && s.kind === kind && (name === undefined || name.test(s.name ?? '')));
      const want: [string, string, RegExp?][] = [
        ['gateway', 'SERVER', /^post \/api\/orders$/],
        ['gateway', 'CLIENT'],
        ['order-service', 'SERVER'],
        ['order-service', 'PRODUCER', /^publish /],
        ['user-service', 'SERVER'],
        ['user-service', 'CONSUMER'],
      ];
      const missing = want.filter(([svc, kind, name]) => !has(svc, kind, name));
      const projected = all.some(
        (s) => service(s) === 'user-service' && dbSystem(s) === 'mysql' && /user_order_stats/.test(s.tags?.['db.query.text'] ?? ''),
      );
      if (missing.length > 0 || !projected)
        throw new Error(`trace ${traceId} lacks ${JSON.stringify(missing)} or the projector's SQL; has ${JSON.stringify(seen)}`);
    });

    expect(spans.every((s) => s.traceId === traceId)).toBe(true);
    const byId = new Map(spans.map((s) => [s.id, s]));
    const parentOf = (s: ZipkinSpan): ZipkinSpan | undefined => (s.parentId === undefined ? undefined : byId.get(s.parentId));
    // Every span but the gateway's server span has its parent in the trace: nothing was cut off.
    const roots = spans.filter((s) => parentOf(s) === undefined);
    expect(roots.map((s) => `${service(s)} ${s.kind}`)).toEqual(['gateway SERVER']);
    // The event's hops: the projector consumed what the relay published for the request that wrote the row.
    const consumer = spans.find((s) => service(s) === 'user-service' && s.kind === 'CONSUMER') as ZipkinSpan;
    const producer = parentOf(consumer);
    expect(producer?.kind).toBe('PRODUCER');
    expect(service(producer as ZipkinSpan)).toBe('order-service');
    expect(parentOf(producer as ZipkinSpan)).toMatchObject({ kind: 'SERVER', localEndpoint: { serviceName: 'order-service' } });
    // The order's SQL and its outbox row were written inside order-service's request; the session check read Redis.
    const request = spans.find((s) => service(s) === 'order-service' && s.kind === 'SERVER') as ZipkinSpan;
    const statements = spans.filter((s) => service(s) === 'order-service' && dbSystem(s) === 'mysql' && s.parentId === request.id);
    expect(statements.some((s) => /^INSERT INTO \S*outbox_\d/.test(s.tags?.['db.query.text'] ?? ''))).toBe(true);
    expect(statements.some((s) => /^INSERT INTO \S*orders_\d/.test(s.tags?.['db.query.text'] ?? ''))).toBe(true);
    expect(spans.some((s) => dbSystem(s) === 'redis')).toBe(true);
    // The projector's statements are children of its consumer span.
    expect(spans.filter((s) => dbSystem(s) === 'mysql' && s.parentId === consumer.id).length).toBeGreaterThan(0);

    // The gateway's access-log line for this request: one JSON line, with the trace and the instance that served it.
    const lines = fleet.gateway
      .output()
      .split('\n')
      .filter((l) => l.includes(requestId))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      reqId: requestId,
      method: 'POST',
      route: '/api/orders',
      status: 201,
      traceId,
      upstream: expect.stringMatching(/^e2e-os-/),
    });
    expect(typeof lines[0]?.['ms']).toBe('number');
  }, 60_000);

  it('should trace a request the gateway did not sample on no hop: no traceparent goes on, no hop records or carries it', async () => {
    const buyer = await shopper(fleet.gateway.url);
    const requestId = `e2e-untraced-${randomUUID()}`;
    const res = await buyer.client.post<{ id: string }>(
      '/api/orders',
      { items: [{ sku: 'SKU-MUG', quantity: 1 }] },
      { headers: { 'idempotency-key': idemKey(), 'x-request-id': requestId } },
    );
    expect(res.status).toBe(201);
    const linesOf = (svc: { output(): string }): Record<string, unknown>[] =>
      svc
        .output()
        .split('\n')
        .filter((l) => l.includes(requestId))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['msg'] === 'request');
    // Each access-log line is written once the answer went out: wait for the two hops' lines.
    await eventually(
      async () => {
        if (linesOf(fleet.gateway).length === 0 || fleet.orders.flatMap(linesOf).length === 0)
          throw new Error(`no access-log lines for ${requestId} yet`);
      },
      10_000,
      100,
    );
    const gateway = linesOf(fleet.gateway);
    const orders = fleet.orders.flatMap(linesOf);
    expect(gateway).toHaveLength(1);
    expect(orders).toHaveLength(1);
    // With a traceparent (sampled or not) a hop's access-log line names its trace; here no hop had one.
    for (const line of [...gateway, ...orders, ...fleet.users.flatMap(linesOf)]) expect(line['traceId']).toBeUndefined();
  }, 60_000);
});
