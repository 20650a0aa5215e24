import { SimulatorOptionsError } from './errors.js';
import type { SimulatorOptions } from './types.js';

/** Port the CLI listens on when `SIMULATOR_PORT` is unset. */
export const DEFAULT_CLI_PORT = 4010;
/** Latency range of the CLI when `SIMULATOR_LATENCY_MS` is unset: believable, not slow. */
export const DEFAULT_CLI_LATENCY = '800-2500';

/**
 * Reads the CLI's environment: `SIMULATOR_PORT` (default 4010), `SIMULATOR_LATENCY_MS` (`"N"` or
 * `"MIN-MAX"`, default `"800-2500"`), `SIMULATOR_CLIENT_ID` and `SIMULATOR_CLIENT_SECRET`
 * (random per start when unset).
 *
 * @example
 * cliOptionsFromEnv({ SIMULATOR_LATENCY_MS: '0' }); // { port: 4010, latencyMs: 0 }
 */
export function cliOptionsFromEnv(env: NodeJS.ProcessEnv): SimulatorOptions {
  const options: SimulatorOptions = {
    port: parsePort(env.SIMULATOR_PORT),
    latencyMs: parseLatency(env.SIMULATOR_LATENCY_MS ?? DEFAULT_CLI_LATENCY),
  };
  if (env.SIMULATOR_CLIENT_ID) options.clientId = env.SIMULATOR_CLIENT_ID;
  if (env.SIMULATOR_CLIENT_SECRET) options.clientSecret = env.SIMULATOR_CLIENT_SECRET;
  return options;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_CLI_PORT;
  if (!/^\d+$/.test(value) || Number(value) > 65_535) {
    throw new SimulatorOptionsError('SIMULATOR_PORT', 'must be an integer between 0 and 65535');
  }
  return Number(value);
}

/** `"1500"` → 1500; `"800-2500"` → `{ min: 800, max: 2500 }`. */
export function parseLatency(value: string): number | { min: number; max: number } {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
  if (match?.[1] === undefined) {
    throw new SimulatorOptionsError(
      'SIMULATOR_LATENCY_MS',
      'expected "N" or "MIN-MAX" milliseconds'
    );
  }
  const min = Number(match[1]);
  if (match[2] === undefined) return min;
  const max = Number(match[2]);
  if (max < min) throw new SimulatorOptionsError('SIMULATOR_LATENCY_MS', 'MIN must not exceed MAX');
  return { min, max };
}
