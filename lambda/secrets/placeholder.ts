/**
 * The client id the stack writes into the secret it creates (infra/mcp-server-stack.ts). Until an
 * operator stores the real credentials, the function recognises it and says what to run.
 */
export const PLACEHOLDER_CLIENT_ID = 'REPLACE_WITH_CONSUMER_KEY';
