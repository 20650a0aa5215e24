/**
 * Cost model of one conversation turn, with every line of the bill: Lambda requests, duration
 * (the Salesforce wait plus our measured CPU at the memory size's CPU share), cold starts at a
 * stated rate, DynamoDB writes, CloudWatch Logs ingestion (measured bytes), Cognito M2M tokens. The price of an unauthenticated flood is sections/flood.ts.
 */
import { FULL_VCPU_MB } from '../lib/cgroup.js';

/** Public on-demand prices (us-east-1), as assumptions the report prints next to the figures. */
export const PRICES = {
  /** Lambda arm64, USD per GB-second (first tier). */
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** DynamoDB on-demand, USD per write request unit (≤ 1 KB item). */
  dynamoWru: 0.625 / 1e6,
  secretsManagerCall: 0.05 / 10_000,
  /** CloudWatch Logs standard ingestion, USD per GB. */
  logsPerGb: 0.5,
  /** Cognito machine-to-machine, USD per token request (first tier, $2.25 per 1 000). */
  cognitoTokenRequest: 2.25 / 1_000,
} as const;

/** What the model assumes but this machine cannot measure. */
export const ASSUMPTIONS = {
  salesforceSeconds: [5, 15],
  memorySizesMb: [128, 256, 512, 1024],
  /** In-region DynamoDB request latency added to each turn's billed time. */
  dynamoRequestMs: 6,
  /** Share of turns that start a new execution environment. */
  coldStartRate: 0.01,
  /** Turns one Cognito access token serves (1 h tokens; a client making a turn a minute reuses it ~60×). */
  turnsPerCognitoToken: 60,
  /** Lambda's own START / END / REPORT lines per invocation, bytes (text format). */
  platformLogBytes: 300,
} as const;

export interface CostInput {
  /** Our CPU per warm turn at a full core (measured, real HTTP clients). */
  readonly turnCpuMs: number;
  readonly writesPerTurn: number;
  readonly turnLogBytes: number;
  /** Import + first initialize + first tools/call: measured CPU, and wall per memory size if measured under a quota. */
  readonly coldCpuMs: number;
  readonly coldWallMsByMemory: Readonly<Record<number, number>>;
}

export interface CostRow {
  readonly memoryMb: number;
  readonly salesforceSeconds: number;
  readonly requests: number;
  readonly duration: number;
  readonly coldStarts: number;
  readonly dynamo: number;
  readonly logs: number;
  readonly cognito: number;
  readonly total: number;
}

export interface CostModel {
  /** USD per million turns. */
  readonly rows: readonly CostRow[];
}

const cpuFactor = (memoryMb: number) => Math.max(1, FULL_VCPU_MB / memoryMb);
const gbSeconds = (memoryMb: number, ms: number) => (memoryMb / 1024) * (ms / 1000);
/** Lambda bills duration in 1 ms steps. */
const billed = (ms: number) => Math.max(1, Math.ceil(ms));

export function costModel(input: CostInput): CostModel {
  const logs = (bytes: number) => ((bytes + ASSUMPTIONS.platformLogBytes) / 1e9) * PRICES.logsPerGb;
  const rows: CostRow[] = [];
  for (const memoryMb of ASSUMPTIONS.memorySizesMb) {
    const coldMs = input.coldWallMsByMemory[memoryMb] ?? input.coldCpuMs * cpuFactor(memoryMb);
    for (const salesforceSeconds of ASSUMPTIONS.salesforceSeconds) {
      const turnMs =
        salesforceSeconds * 1000 +
        input.turnCpuMs * cpuFactor(memoryMb) +
        input.writesPerTurn * ASSUMPTIONS.dynamoRequestMs;
      const row = {
        memoryMb,
        salesforceSeconds,
        requests: PRICES.lambdaRequest * 1e6,
        duration: gbSeconds(memoryMb, billed(turnMs)) * PRICES.lambdaArmGbSecond * 1e6,
        // INIT is billed like invocation time; a new container also reads the secret once.
        coldStarts:
          ASSUMPTIONS.coldStartRate *
          (gbSeconds(memoryMb, coldMs) * PRICES.lambdaArmGbSecond + PRICES.secretsManagerCall) *
          1e6,
        dynamo: input.writesPerTurn * PRICES.dynamoWru * 1e6,
        logs: logs(input.turnLogBytes) * 1e6,
        cognito: (PRICES.cognitoTokenRequest / ASSUMPTIONS.turnsPerCognitoToken) * 1e6,
      };
      rows.push({
        ...row,
        total: row.requests + row.duration + row.coldStarts + row.dynamo + row.logs + row.cognito,
      });
    }
  }
  return { rows };
}
