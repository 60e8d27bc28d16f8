import * as hdr from 'hdr-histogram-js';
import { roundTo } from './metrics-snapshot';

/** One hour in microseconds: the largest response time a latency histogram keeps apart. */
const HIGHEST_US = 3_600_000_000;

/**
 * Longest encoded histogram a snapshot carries, in characters. Stored with
 * two significant digits (each percentile within 1 %), a histogram's layout
 * bounds it under 6 KiB whatever the traffic; a minute of 60,000 requests
 * between 0.3 and 20 ms encodes in about 1.3 KiB.
 */
export const MAX_ENCODED_HISTOGRAM_CHARS = 8192;

/** Significant digits of the histograms snapshots carry. */
export const STORED_HISTOGRAM_DIGITS: 2 | 3 = 2;

/** A histogram of response times in microseconds, as the monitor records them. */
export function latencyHistogram(digits: 2 | 3 = STORED_HISTOGRAM_DIGITS): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: digits,
    autoResize: true,
    useWebAssembly: false,
  });
}

/**
 * Encodes a histogram of response times (µs) with
 * {@link STORED_HISTOGRAM_DIGITS} significant digits in HdrHistogram's
 * compressed base64 form, which any HdrHistogram implementation decodes;
 * null for an empty one (or, never seen, one longer than
 * {@link MAX_ENCODED_HISTOGRAM_CHARS}).
 */
export function encodeLatencyHistogram(histogram: hdr.Histogram): string | null {
  if (histogram.totalCount === 0) return null;
  let stored = histogram;
  if (histogram.numberOfSignificantValueDigits !== STORED_HISTOGRAM_DIGITS) {
    stored = latencyHistogram(STORED_HISTOGRAM_DIGITS);
    stored.add(histogram);
  }
  const text = hdr.encodeIntoCompressedBase64(stored);
  return text.length <= MAX_ENCODED_HISTOGRAM_CHARS ? text : null;
}

/** Decodes what {@link encodeLatencyHistogram} wrote; undefined when the text is not a histogram. */
export function decodeLatencyHistogram(encoded: string): hdr.Histogram | undefined {
  try {
    return hdr.decodeFromCompressedBase64(encoded, 32, false);
  } catch {
    return undefined;
  }
}

/** Response time percentiles of a histogram in µs, as snapshots state them (ms, two decimals). */
export interface LatencyPercentiles {
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/** p50, p95, p99 and max of a histogram in µs, in ms; nulls for an empty one. */
export function latencyPercentiles(histogram: hdr.Histogram | undefined): LatencyPercentiles {
  if (!histogram || histogram.totalCount === 0) return { p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null };
  const pct = (p: number): number => roundTo(histogram.getValueAtPercentile(p) / 1000);
  return { p50Ms: pct(50), p95Ms: pct(95), p99Ms: pct(99), maxMs: roundTo(histogram.maxValue / 1000) };
}

/**
 * Adds up encoded histograms into one, exactly as if every response they
 * counted had been recorded in a single histogram (percentiles are merged,
 * never averaged). Texts that do not decode are skipped and counted.
 */
export function mergeLatencyHistograms(encoded: Iterable<string | null | undefined>): { histogram: hdr.Histogram; unreadable: number } {
  const merged = latencyHistogram();
  let unreadable = 0;
  for (const text of encoded) {
    if (!text) continue;
    const h = decodeLatencyHistogram(text);
    if (h) merged.add(h);
    else unreadable++;
  }
  return { histogram: merged, unreadable };
}
