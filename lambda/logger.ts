import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The single logger of the function (no `console.*` anywhere in `lambda/`). Level comes from
 * `POWERTOOLS_LOG_LEVEL`. Nothing logged may contain tokens, secrets or message text: log ids,
 * methods, tool names, outcomes and timings only.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'agentforce-mcp',
});

/**
 * The logger of refused requests (401/403 at the edge): one short line each. It never gets the
 * Lambda context (function name, ARN, memory, cold start), which would double the bytes of the
 * one line an unauthenticated flood makes CloudWatch ingest; `requestId` is kept for correlation.
 */
export const refusalLogger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'agentforce-mcp',
});
