/**
 * The `tracing` section of the module options: OpenTelemetry spans through
 * `@opentelemetry/api`. The SDK and exporter are the app's choice; without a
 * registered SDK nothing is recorded and the request path is untouched.
 *
 * @example
 * PerformanceModule.forRoot({ tracing: { enabled: true, cacheLookups: 'spans' } })
 */
export interface TracingOptions {
  /**
   * Make or enrich a span per request, and child spans for SQL statements.
   * Needs `@opentelemetry/api`. Env: `TRACING_ENABLED`.
   * @default false
   */
  enabled?: boolean;
  /**
   * A child span per SQL statement, with the semantic-convention attributes.
   * @default true
   */
  queries?: boolean;
  /**
   * How cache lookups show in a trace: span events on the request span,
   * child spans, or not at all.
   * @default 'events'
   */
  cacheLookups?: 'events' | 'spans' | false;
}
