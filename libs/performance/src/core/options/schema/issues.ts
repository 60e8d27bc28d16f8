import type { z } from 'zod';
import { isSecretName, maskSecrets, maskSecretsInText } from '../../secret-masking';

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  const shown = maskSecrets(value);
  if (typeof shown === 'string') return JSON.stringify(shown);
  if (typeof shown === 'function') return `function ${shown.name || '(anonymous)'}`;
  try {
    return JSON.stringify(shown) ?? String(shown);
  } catch {
    return String(shown);
  }
}

/** What a secret option got, without its value: `5 characters, not shown`. */
function describeSecret(value: unknown): string {
  if (typeof value === 'string') return `${value.length} characters, not shown`;
  return `${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not shown`;
}

function defOf(schema: z.core.$ZodType): z.core.$ZodTypes['_zod']['def'] {
  return (schema as z.core.$ZodTypes)._zod.def;
}

/** The object schema at `path` (through defaults, transforms, arrays, records and unions), if there is one. */
function objectAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): z.core.$ZodObject | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
      return objectAt(def.innerType, path);
    case 'pipe':
      return objectAt(def.in, path);
    case 'union':
      return def.options.map((o) => objectAt(o, path)).find(Boolean);
    case 'array':
      return path.length ? objectAt(def.element, path.slice(1)) : undefined;
    case 'record':
      return path.length ? objectAt(def.valueType, path.slice(1)) : undefined;
    case 'object': {
      if (!path.length) return schema as z.core.$ZodObject;
      const field = def.shape[String(path[0])];
      return field ? objectAt(field, path.slice(1)) : undefined;
    }
    default:
      return undefined;
  }
}

/** Alternatives of a failed union, as its branches state them: `"memory", "redis"` or a branch's own message. */
function describeUnion(schema: z.core.$ZodType, issue: z.core.$ZodIssueInvalidUnion, path: readonly PropertyKey[], prefix: string): string[] | string {
  // One branch failed deeper inside: the input had that branch's shape, so its own problems are the ones to name.
  const deeper = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
  if (deeper.length === 1)
    return describeIssueList(
      schema,
      deeper[0]!.map((i) => ({ ...i, path: [...path, ...i.path] })),
      prefix,
    );
  const values: string[] = [];
  const messages: string[] = [];
  for (const branch of issue.errors) {
    for (const i of branch) {
      if (i.path.length > 0) continue;
      if (i.code === 'invalid_value') values.push(...i.values.map((v) => JSON.stringify(v)));
      else if (i.code === 'invalid_type') values.push(`a ${i.expected}`);
      else messages.push(i.message);
    }
  }
  // A branch that says in words what it accepts usually says it for the whole union.
  const full = messages.find((m) => values.every((v) => m.includes(v) || m.includes(v.replaceAll('"', "'"))));
  if (full) return full;
  const list = values.length ? `must be one of ${values.join(', ')}` : issue.message;
  return messages.length ? `${list}, or ${messages.join(', or ')}` : list;
}

/**
 * Formats every problem of a failed parse against `schema` as one line each:
 * `cache.ttl: Too small: expected number to be >=0 (got -5)`; an unknown key
 * is listed with the keys its section knows. The value is never shown for an
 * option whose name suggests a secret (token, password, secret, key,
 * auth...), and URLs in values are shown masked.
 */
export function describeIssues(schema: z.core.$ZodType, error: z.ZodError, prefix = ''): string[] {
  return describeIssueList(schema, error.issues, prefix);
}

function describeIssueList(schema: z.core.$ZodType, issues: readonly z.core.$ZodIssue[], prefix: string): string[] {
  return issues.flatMap((issue) => {
    const names = [prefix, ...issue.path.map(String)].filter(Boolean);
    const path = names.join('.') || '(options)';
    if (issue.code === 'unrecognized_keys') {
      const known = Object.keys(objectAt(schema, issue.path)?._zod.def.shape ?? {});
      const unknown = `unknown option ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      return [known.length ? `${path}: ${unknown} (known: ${known.join(', ')})` : `${path}: ${unknown}`];
    }
    let message: string = issue.message;
    if (issue.code === 'invalid_union') {
      const union = describeUnion(schema, issue, issue.path, prefix);
      if (Array.isArray(union)) return union;
      message = union;
    }
    const secret = names.some((name) => isSecretName(name));
    const got = 'input' in issue ? ` (got ${secret ? describeSecret(issue.input) : describeValue(issue.input)})` : '';
    return [`${path}: ${maskSecretsInText(message)}${got}`];
  });
}
