import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: false, strict: true });

/** `body/password must NOT have fewer than 8 characters`: the field named, as fastify's own validation says it. */
export function describeSchemaError(e: ErrorObject | undefined): string {
  if (!e) return 'body is invalid';
  const path = e.instancePath ? `body${e.instancePath}` : 'body';
  if (e.keyword === 'additionalProperties') return `${path} must NOT have additional property "${String(e.params['additionalProperty'])}"`;
  if (e.keyword === 'required') return `${path} must have required property '${String(e.params['missingProperty'])}'`;
  return `${path} ${e.message ?? 'is invalid'}`;
}

/**
 * Validates a request body against a JSON Schema (the ones in `@dsp/contracts`)
 * and answers 400 naming the first bad field, before any handler or database
 * is reached.
 */
@Injectable()
export class JsonBodyPipe<T> implements PipeTransform<unknown, T> {
  private readonly validate: ValidateFunction;

  constructor(schema: object) {
    const id = (schema as { $id?: string }).$id;
    this.validate = (id ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
  }

  transform(value: unknown): T {
    if (value === undefined || value === null) throw new BadRequestException('body is required (JSON)');
    if (!this.validate(value)) throw new BadRequestException(describeSchemaError(this.validate.errors?.[0]));
    return value as T;
  }
}
