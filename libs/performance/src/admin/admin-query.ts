import { BadRequestException } from '@nestjs/common';

/** Bounds of an integer query parameter. */
export interface IntegerParam {
  min: number;
  max: number;
  /** Used when the parameter is absent. */
  default: number;
}

/**
 * Reads an integer query parameter or answers 400 naming it:
 * `hours must be an integer from 1 to 720 (got "-1")`.
 */
export function integerParam(name: string, raw: unknown, spec: IntegerParam): number {
  if (raw === undefined || raw === '') return spec.default;
  const text = Array.isArray(raw) ? undefined : String(raw);
  const value = text !== undefined && /^-?\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new BadRequestException(
      `${name} must be an integer from ${spec.min} to ${spec.max} (got ${JSON.stringify(raw)})`,
    );
  }
  return value;
}

/** Names, ids and namespaces accepted by admin endpoints. */
export const ADMIN_NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Reads a name-like parameter (namespace, id, fingerprint) or answers 400
 * naming it. `required: false` returns undefined when it is absent; an
 * empty value is a 400 either way.
 */
export function nameParam(name: string, raw: unknown, required = true): string | undefined {
  if (raw === undefined) {
    if (!required) return undefined;
    throw new BadRequestException(`${name} is required`);
  }
  // Present but empty is a mistake (`namespace=$UNSET`), never "absent": for
  // cache/clear, absent means "clear everything".
  if (raw === '') throw new BadRequestException(`${name} must not be empty${required ? '' : '; leave it out instead'}`);
  if (typeof raw !== 'string' || !ADMIN_NAME_PATTERN.test(raw)) {
    throw new BadRequestException(
      `${name} must be 1-128 characters of letters, digits, . _ : - (got ${JSON.stringify(raw).slice(0, 140)})`,
    );
  }
  return raw;
}
