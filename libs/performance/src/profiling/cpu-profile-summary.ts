/** A V8 CPU profile, as `Profiler.stop` returns it and Chrome DevTools opens it (`.cpuprofile`). */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** One node of the call tree of a {@link CpuProfile}. */
export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

/** One function of {@link CpuProfileSummary.top}. */
export interface ProfiledFunction {
  /** `(anonymous)` for unnamed functions. */
  readonly functionName: string;
  /** Script URL or path; empty for V8's own entries like `(garbage collector)`. */
  readonly url: string;
  /** 1-based line of the function. */
  readonly line: number;
  /** Time sampled in the function itself (not its callees), ms, 2 decimals. */
  readonly selfMs: number;
  /** Share of the profile's busy (non-idle) time, percent, 2 decimals. */
  readonly selfPercent: number;
}

/** What a CPU profile says at a glance. */
export interface CpuProfileSummary {
  /** ISO time the profile started. */
  readonly startedAt: string;
  readonly durationMs: number;
  readonly samples: number;
  readonly nodes: number;
  /** Time the process was idle (waiting on I/O), ms. */
  readonly idleMs: number;
  /** The functions with the most self time, idle excluded. */
  readonly top: readonly ProfiledFunction[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Adds up each sample's time delta on the node it hit, groups nodes by
 * function (name, url, line) and keeps the `limit` with the most self time.
 */
export function summarizeCpuProfile(profile: CpuProfile, limit: number, startedAtMs: number): CpuProfileSummary {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const selfMicros = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; the time a sample stands for is the delta after it.
  for (let i = 0; i < samples.length; i++) {
    const next = deltas[i + 1] ?? 0;
    selfMicros.set(samples[i]!, (selfMicros.get(samples[i]!) ?? 0) + Math.max(0, next));
  }
  const byFunction = new Map<string, { functionName: string; url: string; line: number; micros: number }>();
  let idle = 0;
  let busy = 0;
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    if (!micros) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    const key = `${functionName}\u0000${url}\u0000${lineNumber}`;
    const entry = byFunction.get(key);
    if (entry) entry.micros += micros;
    else byFunction.set(key, { functionName: functionName || '(anonymous)', url, line: lineNumber + 1, micros });
  }
  const top = [...byFunction.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, limit)
    .map((f) => ({
      functionName: f.functionName,
      url: f.url,
      line: f.line,
      selfMs: round2(f.micros / 1000),
      selfPercent: busy ? round2((f.micros / busy) * 100) : 0,
    }));
  return {
    startedAt: new Date(startedAtMs).toISOString(),
    durationMs: round2((profile.endTime - profile.startTime) / 1000),
    samples: samples.length,
    nodes: profile.nodes.length,
    idleMs: round2(idle / 1000),
    top,
  };
}
