// autocannon ships no types; its documented options and result fields are declared below.
// @ts-expect-error -- untyped module
import autocannon from 'autocannon';
import type { Summary } from './stats.js';

/** A closed-loop load: `connections` clients, each sending its next request when the last answered. */
export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body of the i-th request (i counts across all connections). */
  readonly body: (i: number) => string;
}

export interface LoadResult {
  readonly requests: number;
  readonly perSecond: number;
  readonly latency: Pick<Summary, 'p50' | 'p90' | 'p99' | 'mean'>;
  /** Non-200 answers, JSON-RPC errors, tool results with `isError`, socket errors, timeouts. */
  readonly failures: number;
  readonly firstFailure?: string;
}

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p90: number; p99: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
}

/** Runs a closed-loop load with autocannon, checking every answer body. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const url = new URL(options.url);
  const result = (await (
    autocannon as (options: Record<string, unknown>) => Promise<AutocannonResult>
  )({
    url: url.origin,
    connections: options.connections,
    duration: options.durationMs / 1000,
    requests: [
      {
        method: 'POST',
        path: url.pathname,
        headers: options.headers,
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: options.body(next++) }),
        onResponse: (status: number, body: string) => {
          if (
            status !== 200 ||
            body.includes('"isError":true') ||
            body.includes('"error":{"code"')
          ) {
            failures++;
            firstFailure ??= `${status} ${body.slice(0, 200)}`;
          }
        },
      },
    ],
  })) as AutocannonResult;
  return {
    requests: result.requests.total,
    perSecond: result.requests.total / result.duration,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      mean: result.latency.average,
    },
    failures: failures + result.errors + result.timeouts,
    ...(firstFailure ? { firstFailure } : {}),
  };
}
