import { fileURLToPath } from 'node:url';
import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { McpServerStack } from './mcp-server-stack.js';
import { DEPLOYMENTS_DIR_ENV, loadDeployment } from './operator-settings.js';

const app = new App();

// Settings persist per stack in deployments/<stackName>.json: a later plain `cdk deploy` keeps them.
const deployment = loadDeployment(
  app.node,
  process.env,
  process.env[DEPLOYMENTS_DIR_ENV] ?? fileURLToPath(new URL('../deployments', import.meta.url))
);

const { config } = deployment;
const stack = new McpServerStack(app, config.stackName, {
  description: 'Remote MCP server (Lambda Function URL) for a Salesforce Agentforce agent',
  config,
  // Set by the CLI from the active credentials; absent offline, which gives an env-agnostic stack.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
for (const warning of deployment.warnings) {
  Annotations.of(stack).addWarningV2('agentforce-mcp:domain-prefix-change', warning);
}
deployment.save();

// Every synth is checked: an unacknowledged AwsSolutions finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
