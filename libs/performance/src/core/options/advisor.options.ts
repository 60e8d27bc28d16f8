/**
 * The `advisor` section of the module options: what the recommendations
 * (`GET <admin>/recommendations`) judge by, besides the thresholds.
 *
 * @example
 * PerformanceModule.forRoot({ advisor: { compressionMinBytes: 4096 } })
 */
export interface AdvisorOptions {
  /**
   * Responses at least this large (bytes, by `Content-Length`) sent without
   * `Content-Encoding` count towards the `uncompressed-responses`
   * recommendation; `0` switches it off. Env: `ADVISOR_COMPRESSION_MIN_BYTES`.
   * @default 1024
   */
  compressionMinBytes?: number;
}
