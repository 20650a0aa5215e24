import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The single logger of the function (no `console.*` anywhere in `lambda/`). Level comes from
 * `POWERTOOLS_LOG_LEVEL`. Nothing logged may contain tokens, secrets or message text: log ids,
 * methods, tool names, outcomes and timings only.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'agentforce-mcp',
});
