import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStackConfig } from './config.js';
import { McpServerStack } from './mcp-server-stack.js';

const app = new App();

new McpServerStack(app, 'AgentforceMcpServer', {
  description: 'Remote MCP server (Lambda Function URL) for a Salesforce Agentforce agent',
  config: loadStackConfig(app.node, process.env),
  // Set by the CLI from the active credentials; absent offline, which gives an env-agnostic stack.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// Every synth is checked: an unacknowledged AwsSolutions finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
