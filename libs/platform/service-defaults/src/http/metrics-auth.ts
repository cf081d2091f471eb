import type { FastifyReply, FastifyRequest } from 'fastify';
import { METRICS_IDENTITIES, type MetricsIdentity } from '@dsp/contracts';
import { identifyBasic, parseBasicAuth } from './basic-credentials';
import { errorBody } from './error-mapper';

/**
 * Who an instance lets read its `/metrics`: the scraper with `METRICS_PASSWORD`
 * (default: the local stack's), and on the local profile the operator too
 * (people with curl, tests). Production admits the scraper only: people read
 * metrics through Prometheus.
 */
export function metricsReaders(opts: { production: boolean; scraperPassword: string | undefined }): MetricsIdentity[] {
  // Named fields, not a spread: spreading would read the local password's getter, which
  // refuses (rightly) under the production profile even when METRICS_PASSWORD is set.
  const { user, may } = METRICS_IDENTITIES.scraper;
  const scraper: MetricsIdentity = { user, may, password: opts.scraperPassword ?? METRICS_IDENTITIES.scraper.password };
  return opts.production ? [scraper] : [scraper, METRICS_IDENTITIES.operator];
}

/**
 * The `/metrics` route's door. Guarantee: the metrics are rendered only for a
 * request with the HTTP basic credentials of one of `readers`; anything else
 * gets 401 with `WWW-Authenticate` and the reason, and nothing is rendered
 * (no collect runs, so an anonymous caller cannot make the instance query its
 * databases either).
 */
export function metricsGuard(readers: readonly MetricsIdentity[]): (req: FastifyRequest, reply: FastifyReply) => boolean {
  return (req, reply) => {
    const creds = parseBasicAuth(req.headers.authorization);
    const reason =
      'malformed' in creds
        ? creds.malformed
        : identifyBasic(creds, readers) === undefined
          ? 'unknown user or wrong password for the metrics of this instance'
          : undefined;
    if (reason === undefined) return true;
    void reply
      .code(401)
      .header('www-authenticate', 'Basic realm="metrics", charset="UTF-8"')
      .send(errorBody(401, `metrics need the credentials of ${readers.map((r) => r.user).join(' or ')}: ${reason}`));
    return false;
  };
}
