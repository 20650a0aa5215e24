/** The smallest environment `loadConfig` accepts for a local run (no secret ARN, no auth). */
export const MINIMAL_FUNCTION_ENV: Readonly<Record<string, string>> = Object.freeze({
  TABLE_NAME: 'sessions',
  SALESFORCE_SERVER_URL: 'https://acme.my.salesforce.com',
  SALESFORCE_AGENT_ID: '0XxKZ000000abcdEFG',
  SALESFORCE_CLIENT_ID: 'id',
  SALESFORCE_CLIENT_SECRET: 'secret',
  AUTH_MODE: 'none',
});
