/**
 * `npm run simulator` / `npx tsx simulator/cli.ts`: runs the simulator until SIGINT/SIGTERM and
 * prints how to point the MCP server at it. The client secret it prints is the simulator's own
 * random local value, not a real credential.
 */
import { cliOptionsFromEnv } from './cli-config.js';
import { startSimulator } from './server.js';

const sim = await startSimulator({
  ...cliOptionsFromEnv(process.env),
  log: (line) => console.log(`[simulator] ${line}`),
});

console.log(
  [
    `Agentforce simulator listening on ${sim.url}`,
    `  My Domain + Agent API host: ${sim.url}`,
    `  agent id:  ${sim.agentId}`,
    `  client id: ${sim.credentials.clientId}`,
    '',
    'Point the MCP server at it with:',
    `  SALESFORCE_SERVER_URL=${sim.url}`,
    `  SALESFORCE_AGENT_ID=${sim.agentId}`,
    `  SALESFORCE_CLIENT_ID=${sim.credentials.clientId}`,
    `  SALESFORCE_CLIENT_SECRET=${sim.credentials.clientSecret}`,
    '',
    "Try keywords such as 'create', 'book', 'steps', 'human', 'fail', 'slow' in your messages.",
    'Press Ctrl+C to stop.',
  ].join('\n')
);

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  console.log(`[simulator] ${signal} received, shutting down`);
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1)
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
