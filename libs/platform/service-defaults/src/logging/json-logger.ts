import pino, { type Logger, type LevelWithSilent } from 'pino';

export type JsonLogger = Logger;

export interface JsonLoggerOptions {
  service: string;
  instanceId: string;
  level: LevelWithSilent;
  /** Where to write; stdout by default. */
  destination?: pino.DestinationStream;
}

/**
 * A structured JSON logger: one object per line with `time`, `level`,
 * `service`, `instance` and `msg`, plus `reqId` inside a request.
 */
export function createJsonLogger(opts: JsonLoggerOptions): JsonLogger {
  return pino(
    {
      level: opts.level,
      base: { service: opts.service, instance: opts.instanceId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // A log field named like a base binding would shadow it (JSON keeps the last key):
        // `service` and `instance` always name the process that wrote the line.
        log: (obj) => {
          if (!('service' in obj) && !('instance' in obj)) return obj;
          const { service, instance, ...rest } = obj as Record<string, unknown>;
          return {
            ...rest,
            ...(service !== undefined ? { subjectService: service } : {}),
            ...(instance !== undefined ? { subjectInstance: instance } : {}),
          };
        },
      },
    },
    opts.destination ?? pino.destination({ sync: false }),
  );
}
