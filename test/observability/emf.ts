import { Metrics } from '@aws-lambda-powertools/metrics';
import { vi } from 'vitest';
import { EmfMetrics } from '../../lambda/observability/emf-metrics.js';

/** One parsed EMF document. */
export interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

/**
 * An `EmfMetrics` on a real Powertools `Metrics` whose stdout is captured: `lines()` returns the
 * EMF documents printed so far (test setup disables metrics; this instance is enabled).
 */
export function captureEmf(service = 'McpTest'): {
  metrics: EmfMetrics;
  lines(): EmfLine[];
  raw(): string;
  restore(): void;
} {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const powertools = new Metrics({ namespace: 'AgentforceMcp', serviceName: service });
  if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  const raw = () => chunks.join('');
  return {
    metrics: new EmfMetrics({ metrics: powertools }),
    raw,
    lines: () =>
      raw()
        .split('\n')
        .filter((line) => line.includes('"CloudWatchMetrics"'))
        .map((line) => JSON.parse(line) as EmfLine),
    restore: () => spy.mockRestore(),
  };
}

/** The EMF documents that carry metric `name`. */
export function withMetric(lines: readonly EmfLine[], name: string): EmfLine[] {
  return lines.filter((line) =>
    line._aws.CloudWatchMetrics.some((cw) => cw.Metrics.some((m) => m.Name === name))
  );
}
