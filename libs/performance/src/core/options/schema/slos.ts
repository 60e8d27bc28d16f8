import { z } from 'zod';
import type { SloOptions } from '../slo.options';
import { option, type Checked, type Frozen, type SameShape } from './option';

/** `[METHOD ]<template>`: an HTTP method (or `*`), a space, then a path starting with `/`. */
export const SLO_ROUTE_PATTERN = /^(?:(?:[A-Z]{3,7}|\*) )?\/[^\s?#]*$/;

const objectivePercent = z.number().gt(0).lt(100);

const slo = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, . _ -'),
    routes: z.array(z.string().regex(SLO_ROUTE_PATTERN, 'must be "[METHOD ]/route/template" such as "GET /api/v1/documents/*"')).min(1).max(100),
    availability: objectivePercent.optional(),
    latency: z.strictObject({ thresholdMs: z.number().positive().max(3_600_000), percent: objectivePercent }).optional(),
    windowDays: z.int().min(1).max(90).default(30),
    alerts: z.boolean().default(true),
    alertMinRequests: z.int().min(1).max(1_000_000).default(10),
  })
  .refine((s) => s.availability !== undefined || s.latency !== undefined, 'needs an availability or a latency objective (or both)');

/** The `slos` option: each SLO's check and defaults. */
export const slosOptionSchema = option(
  z
    .array(slo)
    .max(50)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((s, i) => {
        if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${s.name}" is used by another SLO` });
        seen.add(s.name);
      });
    }),
  {
    default: [],
    defaultDoc: 'none',
    doc: 'service level objectives: `{ name, routes, availability, latency: { thresholdMs, percent }, windowDays, alerts, alertMinRequests }` each; `GET slos`, burn-rate alerts',
  },
);

/** One SLO after validation and defaults. */
export type ResolvedSlo = Frozen<z.output<typeof slo>>;

/** Compile-time: the schema takes exactly {@link SloOptions}. */
export type SloSchemaChecks = Checked<SameShape<z.input<typeof slo>, SloOptions>>;
