import { SERVICE_NAMES } from '@dsp/contracts';
import type { AppliedConfigReader, AppliedKey } from './applied-config';
import type { Experiment, ExperimentContext, Verdict } from './experiment';
import { ConfigAdminRefused, type ConfigAdmin, type ConfigHistoryEntry } from './gateway-config-admin';
import { registeredInstances } from './registry-reader';
import { until } from './waits';
import type { ZkClientFactory } from './zk-quorum-loss.experiment';

export interface ConfigChangeOptions {
  /** How long after a write an instance may apply it and still count as following it "within a watch". @default 3000 */
  applyBoundMs?: number;
  /** How long to wait for Prometheus to show every instance's applied version (its scrapes are 5 s apart locally). @default 20000 */
  observeTimeoutMs?: number;
}

const SERVICE = SERVICE_NAMES.user;
/** A numeric key whose change is harmless for a minute: registrations per address per window. */
const KEY = 'ratelimit.register.ipAttempts';
const AUTHOR = 'console config-change';

/** Per instance, the version it applied after a write and how long after the write (undefined: not seen in time). */
type Followed = Map<string, { version: number; delayMs: number } | undefined>;

/**
 * Changes one live-config key of user-service through the gateway's config
 * admin API, the way an operator does, and watches every registered instance
 * take it (docs/notes.md#n28, #n18, #n19, #n24): each instance holds a watch on the key's
 * znode, hears the change, reads the new value and re-arms its watch; a
 * rollback to the previous history entry then proves each watch was re-armed
 * (a one-shot watch not set again would miss it). What each instance applied
 * and when is its own word, `config_key_version` and
 * `config_key_applied_timestamp_seconds` read through Prometheus. The property
 * held when every instance applied both writes, each within the apply bound of
 * its write, with the version rising each time, and the history shows both.
 * The key's old value is written back whatever happened.
 */
export class ConfigChangeExperiment implements Experiment {
  readonly name = 'config-change';
  readonly title = 'Change a config value, then roll it back';
  readonly description = `Write user-service's ${KEY} through the gateway's config admin API: every instance's watch fires and it applies the value; a rollback shows each watch re-armed.`;
  readonly notes = ['n28', 'n18', 'n19', 'n24', 'n6'];

  constructor(
    private readonly admin: ConfigAdmin,
    private readonly applied: AppliedConfigReader,
    private readonly zk: ZkClientFactory,
    private readonly options: ConfigChangeOptions = {},
  ) {}

  async run(ctx: ExperimentContext): Promise<Verdict> {
    const bound = this.options.applyBoundMs ?? 3000;
    const reader = await this.zk(false, 10_000);
    let restore: { value: unknown } | undefined;
    try {
      const instances = (await registeredInstances(reader, SERVICE, false)).map((i) => i.id);
      if (instances.length === 0) throw new Error(`no instance of ${SERVICE} is registered: nobody would apply the change`);
      let seen: ReadonlyMap<string, AppliedKey> = new Map();
      try {
        await until(
          ctx,
          async () => {
            seen = await this.applied.read(SERVICE, KEY);
            return instances.every((i) => seen.get(i)?.up === true);
          },
          this.observeTimeout(),
          'Prometheus scraping every registered instance',
          500,
        );
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        throw new Error(
          `Prometheus does not scrape ${instances.filter((i) => seen.get(i)?.up !== true).join(', ')}, so what they apply cannot be seen (registered: ${instances.join(', ')})`,
        );
      }
      const before = new Map(instances.map((i) => [i, seen.get(i)?.version]));
      const old = await this.admin.get(SERVICE, KEY);
      if (typeof old !== 'number') throw new Error(`${SERVICE}'s ${KEY} is ${JSON.stringify(old)}, not a number`);
      ctx.step(
        `${instances.length} instances of ${SERVICE} (${instances.join(', ')}); ${KEY} = ${old}, at version ${[...new Set(before.values())].map((v) => v ?? 'none written').join(', ')}`,
      );

      // The change: one more (one less when the schema refuses that), so the rollback lands on a different value again.
      let next = old + 1;
      const writtenAt = Date.now();
      restore = { value: old };
      try {
        await this.admin.set(SERVICE, KEY, next, AUTHOR);
      } catch (e) {
        if (!(e instanceof ConfigAdminRefused && e.status === 400)) throw e;
        next = old - 1;
        await this.admin.set(SERVICE, KEY, next, AUTHOR);
      }
      ctx.step(
        `PUT /api/admin/config/${SERVICE}/${KEY} {"value": ${next}} through the gateway (the admin token; user-service's writer stores it)`,
      );
      const changed = await this.follow(ctx, instances, before, next, writtenAt);
      this.report(ctx, changed, next);

      const history = await this.admin.history(SERVICE, KEY);
      const ours = [...history].reverse().find((h) => h.value === next);
      const target = ours && [...history].reverse().find((h) => h.seq < ours.seq && h.value === old);
      if (!ours || !target) throw new Error(`the history of ${KEY} holds no entry of ${old} before the write of ${next}`);
      const rolledAt = Date.now();
      await this.admin.rollback(SERVICE, KEY, target.seq);
      restore = undefined;
      ctx.step(`POST .../${KEY}/rollback {"seq": ${target.seq}}: back to ${old}`);
      const afterChange = new Map(instances.map((i) => [i, changed.get(i)?.version ?? before.get(i)]));
      const rolled = await this.follow(ctx, instances, afterChange, old, rolledAt);
      this.report(ctx, rolled, old);
      const tail = (await this.admin.history(SERVICE, KEY)).slice(-3);
      ctx.step(`history of ${KEY}: ${tail.map((h) => line(h)).join(' | ')}`);

      const ok = (f: Followed, i: string): boolean => {
        const r = f.get(i);
        return r !== undefined && r.delayMs <= bound;
      };
      const missed = instances.filter((i) => !ok(changed, i) || !ok(rolled, i));
      const rising = instances.every((i) => {
        const a = changed.get(i)?.version;
        const b = rolled.get(i)?.version;
        return a !== undefined && b !== undefined && b > a && a > (before.get(i) ?? -1);
      });
      const rollbackSeq = tail.find((h) => h.seq > (ours?.seq ?? 0) && h.value === old)?.seq;
      const held = missed.length === 0 && rising && rollbackSeq !== undefined;
      const worst = (f: Followed): number => Math.max(...instances.map((i) => f.get(i)?.delayMs ?? 0));
      return {
        held,
        summary: held
          ? `All ${instances.length} instances of ${SERVICE} applied ${KEY} = ${next} at most ${worst(changed)} ms after the write, and the rollback to ${old} at most ${worst(rolled)} ms after it: each watch fired and was re-armed (versions rose each time; history entries ${ours.seq} and ${rollbackSeq}).`
          : `The property did not hold: ${[
              missed.length > 0 && `${missed.join(', ')} did not apply both writes within ${bound} ms (seen through Prometheus)`,
              !rising && 'the applied versions did not rise with each write',
              rollbackSeq === undefined && 'the history shows no rollback entry',
            ]
              .filter(Boolean)
              .join('; ')}.`,
        evidence: instances.map((i) => ({
          instance: i,
          'version before': before.get(i) ?? 'none',
          [`set ${next}: version`]: changed.get(i)?.version ?? 'not seen',
          [`set ${next}: applied after (ms)`]: changed.get(i)?.delayMs ?? 'not seen',
          [`rollback to ${old}: version`]: rolled.get(i)?.version ?? 'not seen',
          [`rollback to ${old}: applied after (ms)`]: rolled.get(i)?.delayMs ?? 'not seen',
        })),
      };
    } finally {
      if (restore !== undefined) {
        await this.admin.set(SERVICE, KEY, restore.value, `${AUTHOR} (restore)`).then(
          () => ctx.step(`wrote ${KEY} = ${String(restore?.value)} back (the run ended early)`),
          (e: unknown) => ctx.step(`could not write ${KEY} back: ${(e as Error).message}`),
        );
      }
      await reader.close();
    }
  }

  /** Waits until every instance reports a version past `prior` with `value`, or the observe timeout; per instance what it applied. */
  private async follow(
    ctx: ExperimentContext,
    instances: string[],
    prior: ReadonlyMap<string, number | undefined>,
    value: number,
    writtenAt: number,
  ): Promise<Followed> {
    const out: Followed = new Map(instances.map((i) => [i, undefined]));
    const check = async (): Promise<boolean> => {
      const seen = await this.applied.read(SERVICE, KEY);
      for (const i of instances) {
        const s = seen.get(i);
        if (s?.version !== undefined && s.version > (prior.get(i) ?? -1) && s.value === value && s.appliedAtMs !== undefined)
          out.set(i, { version: s.version, delayMs: Math.max(0, s.appliedAtMs - writtenAt) });
      }
      return [...out.values()].every((r) => r !== undefined);
    };
    try {
      await until(ctx, check, this.observeTimeout(), `every instance applying ${KEY} = ${value}`, 500);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
    }
    return out;
  }

  private report(ctx: ExperimentContext, f: Followed, value: number): void {
    ctx.step(
      `applied ${value}: ${[...f].map(([i, r]) => (r ? `${i} version ${r.version} after ${r.delayMs} ms` : `${i} not seen`)).join('; ')}`,
    );
  }

  private observeTimeout(): number {
    return this.options.observeTimeoutMs ?? 20_000;
  }
}

function line(h: ConfigHistoryEntry): string {
  return `#${h.seq} ${JSON.stringify(h.value)} by ${h.author}`;
}
