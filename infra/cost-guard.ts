import { Annotations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { StackConfig } from './config.js';

/**
 * Concurrency Lambda always keeps unreserved in an account: reserving N for one function needs an
 * account quota of at least this + N, or the deploy fails (new accounts often start at 10).
 */
export const UNRESERVED_MINIMUM = 100;

/**
 * The function's logging settings for the opt-in `systemLogLevel`: JSON log format (required for
 * level filtering), Lambda's own START/END/REPORT lines at that level, and an application level
 * that never drops what the function prints itself. Powertools filters by `logLevel` already, and
 * EMF metric lines carry no `level`, which Lambda reads as INFO: an application level above INFO
 * would drop the metrics.
 */
export function systemLogProps(
  config: Pick<StackConfig, 'systemLogLevel' | 'logLevel'>
): Pick<lambda.FunctionProps, 'loggingFormat' | 'systemLogLevelV2' | 'applicationLogLevelV2'> {
  if (config.systemLogLevel === undefined) return {};
  const verbose = config.logLevel === 'TRACE' || config.logLevel === 'DEBUG';
  return {
    loggingFormat: lambda.LoggingFormat.JSON,
    systemLogLevelV2: lambda.SystemLogLevel[config.systemLogLevel],
    applicationLogLevelV2: verbose
      ? lambda.ApplicationLogLevel[config.logLevel as 'TRACE' | 'DEBUG']
      : lambda.ApplicationLogLevel.INFO,
  };
}

/**
 * Warns at synth that a reserved concurrency needs an account quota of at least 100 + N. It stays
 * opt-in for that reason: a default cap would fail the first deploy of every new account.
 */
export function warnReservedConcurrency(
  scope: Construct,
  config: Pick<StackConfig, 'reservedConcurrency'>
): void {
  const reserved = config.reservedConcurrency;
  if (reserved === undefined) return;
  Annotations.of(scope).addWarningV2(
    'agentforce-mcp:reserved-concurrency',
    `reservedConcurrency=${reserved} needs the account's Lambda concurrency quota to be at least ${UNRESERVED_MINIMUM + reserved} (${UNRESERVED_MINIMUM} always stay unreserved + ${reserved}); new accounts often have 10. Check Service Quotas > AWS Lambda > Concurrent executions before deploying.`
  );
}
