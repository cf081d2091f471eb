import { DEADLINE_HEADER, METRICS_ROUTE, OPEN_ROUTES } from '@dsp/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonLogger } from '../logging/json-logger';
import type { MetricsRegistry } from '../metrics/metrics-registry';
import { AdmissionGate, type Admission, type ShedReason } from './admission-gate';
import { serviceCallerOf } from './service-auth';

/** Seconds a refused caller is told to wait (`Retry-After`): one queue's worth of work drains well within it. */
export const SHED_RETRY_AFTER_SECONDS = 1;

const WHY: Record<ShedReason, string> = {
  'queue-full': 'every slot is taken and the queue is full',
  'queue-timeout': 'no slot freed up in time',
  deadline: `the caller's deadline (${DEADLINE_HEADER}) ran out before a slot freed up`,
  overloaded: 'every slot is taken and the queue has been timing out',
};

/**
 * Puts every route of `fastify` but the probes and `/metrics` behind `gate` (docs/overload.md): an
 * admitted request holds its slot until its response is done or its connection closes; a refused one
 * is answered 503 with `Retry-After` before its body is read or any handler runs. A malformed
 * deadline header is a 400.
 */
export function installAdmission(fastify: FastifyInstance, gate: AdmissionGate, logger: JsonLogger, metrics: MetricsRegistry): void {
  const shed = metrics.counter('http_requests_shed_total', 'Requests refused by the admission gate (503), by reason.', ['reason']);
  metrics.collected('http_admission_in_flight', 'Requests past the admission gate now.', [], (g) => g.set(gate.inFlight));
  metrics.collected('http_admission_queued', 'Requests waiting at the admission gate now.', [], (g) => g.set(gate.queued));
  const open = new Set([...OPEN_ROUTES, METRICS_ROUTE]);
  fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (open.has(req.routeOptions.url ?? '')) return;
    // Only a service the service-token check identified may shorten its own wait; a public client's header is ignored.
    const raw = serviceCallerOf(req) === undefined ? undefined : req.headers[DEADLINE_HEADER];
    let budget: number | undefined;
    if (raw !== undefined) {
      if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw))
        return reply.code(400).send({
          statusCode: 400,
          error: 'Bad Request',
          message: `${DEADLINE_HEADER} must be whole milliseconds (0 to 999999999), got ${JSON.stringify(raw)}`,
        });
      budget = Number(raw);
    }
    let admission: Admission;
    const entered = gate.enter(budget);
    if (entered instanceof Promise) {
      // A caller that hangs up while waiting leaves the queue, and keeps no slot.
      let left = false;
      const stopWatching = whenGone(req, reply, () => ((left = true), entered.cancel()));
      admission = await entered;
      stopWatching();
      if (left) {
        if (admission.admitted) admission.release();
        // Nobody waits for the answer: no handler runs, nothing is sent.
        reply.hijack();
        return;
      }
    } else admission = entered;
    if (admission.admitted) {
      // The slot is held until the response is done, or the connection closes (which ends a pipelined
      // request whose response never started: its ServerResponse emits no 'close' of its own).
      const release = admission.release;
      const stop = whenGone(req, reply, () => (release(), stop()));
      return;
    }
    shed.inc({ reason: admission.reason });
    logger.debug({ reqId: req.id, reason: admission.reason, waitedMs: admission.waitedMs, inFlight: gate.inFlight }, 'request shed');
    return reply
      .code(503)
      .header('retry-after', String(SHED_RETRY_AFTER_SECONDS))
      .send({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `overloaded: ${WHY[admission.reason]} (${gate.inFlight} in flight, ${gate.queued} waiting); retry after ${SHED_RETRY_AFTER_SECONDS} s`,
      });
  });
}

/**
 * Calls `fn` once when the request's response is done or its connection closes, at once if either
 * already happened; the returned function stops watching (safe to call twice).
 */
function whenGone(req: FastifyRequest, reply: FastifyReply, fn: () => void): () => void {
  const res = reply.raw;
  const socket = req.raw.socket as typeof req.raw.socket | null;
  let done = false;
  const fire = (): void => {
    if (done) return;
    done = true;
    stop();
    fn();
  };
  const stop = (): void => {
    res.off('close', fire);
    socket?.off('close', fire);
  };
  res.once('close', fire);
  socket?.once('close', fire);
  if (res.closed || socket === null || socket.destroyed) fire();
  return () => {
    done = true;
    stop();
  };
}
