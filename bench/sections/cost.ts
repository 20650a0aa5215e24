/**
 * Cost model of one conversation turn. Lambda bills wall-clock time, and a turn spends almost all
 * of it waiting for Salesforce, so the bill is (Salesforce latency + our overhead) × memory.
 */

/** Public on-demand prices (us-east-1), as assumptions the report prints next to the figures. */
export const PRICES = {
  /** Lambda arm64, USD per GB-second (first 7.5 billion GB-s a month). */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda, USD per request. */
  lambdaRequest: 0.2 / 1e6,
  /** DynamoDB on-demand, USD per write request unit (≤ 1 KB item). */
  dynamoWru: 0.625 / 1e6,
  /** DynamoDB on-demand, USD per read request unit (strongly consistent ≤ 4 KB). */
  dynamoRru: 0.125 / 1e6,
  /** Secrets Manager, USD per API call. */
  secretsManagerCall: 0.05 / 10_000,
} as const;

/** Assumptions the model needs that this machine cannot measure. */
export const ASSUMPTIONS = {
  /** Salesforce turn latencies to price (seconds): the reference's 5–18 s range and a midpoint. */
  salesforceSeconds: [5, 10, 18],
  memorySizesMb: [256, 512, 1024],
  /** In-region DynamoDB request latency added to each turn's billed time. */
  dynamoRequestMs: 6,
  /** Lambda gives a function one full vCPU at 1769 MB; below that, CPU-bound work slows down in proportion. */
  fullVcpuMb: 1769,
} as const;

export interface TurnCostRow {
  readonly memoryMb: number;
  readonly salesforceSeconds: number;
  readonly billedSeconds: number;
  readonly gbSeconds: number;
  /** USD per million turns. */
  readonly lambdaPerMillion: number;
  readonly dynamoPerMillion: number;
  readonly totalPerMillion: number;
  /** Share of the billed time that is our code rather than waiting on Salesforce. */
  readonly ourShare: number;
}

export interface CostModel {
  readonly rows: readonly TurnCostRow[];
  /** Estimated INIT (import) duration on Lambda per memory size, CPU scaled from the local figure. */
  readonly initEstimates: ReadonlyArray<{
    readonly memoryMb: number;
    readonly initMs: number;
    readonly usdPerMillionColdStarts: number;
  }>;
  readonly recommendedMemoryMb: number;
  readonly peakRssMiB: number;
}

/**
 * @param overheadMs our code's time per warm turn (measured locally, CPU-bound)
 * @param writesPerTurn DynamoDB writes per warm turn (each ≤ 1 KB: one WRU)
 * @param readsPerTurn DynamoDB strongly consistent reads per warm turn
 * @param importMs local import time of the production bundle (CPU-bound)
 * @param peakRssMiB the RSS the function needs (cold-start child, heap-capped warm loop)
 */
export function costModel(input: {
  overheadMs: number;
  writesPerTurn: number;
  readsPerTurn: number;
  importMs: number;
  peakRssMiB: number;
}): CostModel {
  const rows: TurnCostRow[] = [];
  const cpuFactor = (memoryMb: number) => Math.max(1, ASSUMPTIONS.fullVcpuMb / memoryMb);
  for (const memoryMb of ASSUMPTIONS.memorySizesMb) {
    for (const salesforceSeconds of ASSUMPTIONS.salesforceSeconds) {
      const ourMs =
        input.overheadMs * cpuFactor(memoryMb) +
        (input.writesPerTurn + input.readsPerTurn) * ASSUMPTIONS.dynamoRequestMs;
      const billedSeconds = salesforceSeconds + ourMs / 1000;
      const gbSeconds = (memoryMb / 1024) * billedSeconds;
      const lambdaPerMillion = (gbSeconds * PRICES.lambdaArmGbSecond + PRICES.lambdaRequest) * 1e6;
      const dynamoPerMillion =
        (input.writesPerTurn * PRICES.dynamoWru + input.readsPerTurn * PRICES.dynamoRru) * 1e6;
      rows.push({
        memoryMb,
        salesforceSeconds,
        billedSeconds,
        gbSeconds,
        lambdaPerMillion,
        dynamoPerMillion,
        totalPerMillion: lambdaPerMillion + dynamoPerMillion,
        ourShare: ourMs / 1000 / billedSeconds,
      });
    }
  }
  const initEstimates = ASSUMPTIONS.memorySizesMb.map((memoryMb) => {
    const initMs = input.importMs * cpuFactor(memoryMb);
    return {
      memoryMb,
      initMs,
      // INIT is billed like invocation time (since August 2025), plus one Secrets Manager read.
      usdPerMillionColdStarts:
        ((memoryMb / 1024) * (initMs / 1000) * PRICES.lambdaArmGbSecond +
          PRICES.secretsManagerCall) *
        1e6,
    };
  });
  // 25% headroom over the peak RSS for GC slack and large replies.
  const recommendedMemoryMb =
    [128, 256, 512, 1024, 2048].find((size) => input.peakRssMiB * 1.25 <= size) ?? 2048;
  return { rows, initEstimates, recommendedMemoryMb, peakRssMiB: input.peakRssMiB };
}
