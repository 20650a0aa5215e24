import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { envVarName, loadStackConfig, parseStackConfig, SETTING_KEYS } from '../../infra/config.js';
import { StackConfigError } from '../../infra/errors.js';
import { REQUIRED_SETTINGS } from './synth.js';

/** The error for `raw`, or a failure when there is none. */
function configError(raw: Record<string, unknown>): StackConfigError {
  try {
    parseStackConfig(raw);
  } catch (err) {
    if (err instanceof StackConfigError) return err;
    throw err;
  }
  throw new Error('expected a StackConfigError');
}

describe('Function: parseStackConfig', () => {
  it('returns the defaults for the two required settings', () => {
    expect(parseStackConfig(REQUIRED_SETTINGS)).toEqual({
      agentId: REQUIRED_SETTINGS.agentId,
      myDomainUrl: 'https://acme.my.salesforce.com',
      bypassUser: true,
      plainText: false,
      agentVariables: [],
      maxSessionsPerTenant: 100,
      authMode: 'cognito',
      allowedOrigins: [],
      logLevel: 'INFO',
      memorySize: 256,
      requestAlarmThreshold: 30_000,
      toolDeadlineMs: 45_000,
      invokeMode: 'RESPONSE_STREAM',
      logRetentionDays: 30,
      jwtAudience: [],
      jwtClientIds: [],
      jwtRequiredScope: [],
      removalPolicy: 'retain',
      stackName: 'AgentforceMcpServer',
      tracing: 'off',
      allowAuthModeChange: false,
    });
  });

  it('throws naming both ways to set each missing required setting', () => {
    const error = configError({ agentId: '  ' });

    expect(error.keys).toEqual(['agentId', 'myDomainUrl']);
    expect(error.message).toContain('agentId: is required (-c agentId=… or MCP_AGENT_ID)');
    expect(error.message).toContain(
      'myDomainUrl: is required (-c myDomainUrl=… or MCP_MY_DOMAIN_URL)'
    );
  });

  it('returns strings from the command line and JSON values from cdk.json alike', () => {
    const fromCli = parseStackConfig({
      ...REQUIRED_SETTINGS,
      memorySize: '1024',
      reservedConcurrency: '3',
      allowedOrigins: 'http://localhost:6274, https://app.example.com',
      logLevel: 'debug',
      invokeMode: 'response_stream',
      removalPolicy: 'DESTROY',
    });
    const fromJson = parseStackConfig({
      ...REQUIRED_SETTINGS,
      memorySize: 1024,
      reservedConcurrency: 3,
      allowedOrigins: ['http://localhost:6274', 'https://app.example.com'],
      logLevel: 'DEBUG',
      invokeMode: 'RESPONSE_STREAM',
      removalPolicy: 'destroy',
    });

    expect(fromCli).toEqual(fromJson);
    expect(fromCli).toMatchObject({ memorySize: 1024, invokeMode: 'RESPONSE_STREAM' });
  });

  it.each([
    ['agentId', '001KZ000000abcd'],
    ['myDomainUrl', 'http://acme.my.salesforce.com'],
    ['myDomainUrl', 'https://acme.my.salesforce.com/services'],
    ['apiUrl', 'ftp://api.salesforce.com'],
    ['allowedOrigins', '*'],
    ['allowedOrigins', 'https://app.example.com/path'],
    ['memorySize', '64'],
    ['reservedConcurrency', '0'],
    ['toolDeadlineMs', '60000'],
    ['invokeMode', 'STREAMING'],
    ['logRetentionDays', '31'],
    ['logLevel', 'VERBOSE'],
    ['cognitoDomainPrefix', 'Has-Capitals'],
    ['cognitoDomainPrefix', 'my-cognito-prefix'],
    ['salesforceSecretArn', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:salesforce'],
    ['removalPolicy', 'snapshot'],
    ['authMode', 'iam'],
    ['stackName', '1st-stack'],
    ['stackName', 'agent_stack'],
    ['alarmEmail', 'ops-at-example.com'],
    ['alarmTopicArn', 'arn:aws:sqs:eu-west-1:123456789012:queue'],
    ['tracing', 'passive'],
    ['allowAuthModeChange', 'yes'],
  ])('throws naming %s for %j', (key, value) => {
    expect(configError({ ...REQUIRED_SETTINGS, [key]: value }).keys).toEqual([key]);
  });

  it('throws for a KMS key setting without an imported secret, and for a key alias', () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

    expect(configError({ ...REQUIRED_SETTINGS, salesforceSecretKmsKeyArn: key }).keys).toEqual([
      'salesforceSecretKmsKeyArn',
    ]);
    const alias = key.replace(/key\/.*/, 'alias/salesforce');
    expect(
      configError({
        ...REQUIRED_SETTINGS,
        salesforceSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sf-AbC123',
        salesforceSecretKmsKeyArn: alias,
      }).keys
    ).toEqual(['salesforceSecretKmsKeyArn']);
  });

  it('returns the operations settings parsed from strings', () => {
    expect(
      parseStackConfig({
        ...REQUIRED_SETTINGS,
        stackName: 'SupportAgent-prod',
        alarmEmail: 'ops@example.com',
        tracing: 'ACTIVE',
        allowAuthModeChange: 'true',
      })
    ).toMatchObject({
      stackName: 'SupportAgent-prod',
      alarmEmail: 'ops@example.com',
      tracing: 'active',
      allowAuthModeChange: true,
    });
  });

  it('throws naming every setting jwt mode lacks', () => {
    const error = configError({ ...REQUIRED_SETTINGS, authMode: 'jwt' });

    expect(error.keys).toEqual(['jwtIssuer', 'jwtJwksUrl', 'jwtAudience']);
  });

  it('throws naming jwtAudience when jwt mode has only client ids (tokens for any API would pass)', () => {
    const error = configError({
      ...REQUIRED_SETTINGS,
      authMode: 'jwt',
      jwtIssuer: 'https://idp.example.com/',
      jwtJwksUrl: 'https://idp.example.com/keys',
      jwtClientIds: 'a,b',
      jwtRequiredScope: 'mcp.invoke',
    });

    expect(error.keys).toEqual(['jwtAudience']);
    expect(error.message).toContain('MCP_JWT_AUDIENCE');
  });

  it('returns jwt mode bound by a resource-server scope instead of an audience', () => {
    const config = parseStackConfig({
      ...REQUIRED_SETTINGS,
      authMode: 'jwt',
      jwtIssuer: 'https://idp.example.com/',
      jwtJwksUrl: 'https://idp.example.com/keys',
      jwtClientIds: 'a,b',
      jwtRequiredScope: 'agentforce-mcp/mcp.invoke',
    });

    expect(config).toMatchObject({
      authMode: 'jwt',
      jwtAudience: [],
      jwtClientIds: ['a', 'b'],
      jwtRequiredScope: ['agentforce-mcp/mcp.invoke'],
    });
  });

  it.each([
    ['jwtIssuer', 'https://idp.example.com', 'cognito'],
    ['cognitoDomainPrefix', 'acme-mcp', 'none'],
  ])('throws when %s is set outside its auth mode', (key, value, authMode) => {
    expect(configError({ ...REQUIRED_SETTINGS, authMode, [key]: value }).keys).toEqual([key]);
  });
});

describe('Function: loadStackConfig', () => {
  it('returns context values over MCP_* environment variables', () => {
    const app = new App({ context: { memorySize: 2048, agentId: '0XxKZ000000ctxAAAA' } });

    const config = loadStackConfig(app.node, {
      MCP_AGENT_ID: '0XxKZ000000envBBBB',
      MCP_MY_DOMAIN_URL: 'https://env.my.salesforce.com',
      MCP_MEMORY_SIZE: '256',
      MCP_LOG_LEVEL: 'warn',
    });

    expect(config).toMatchObject({
      agentId: '0XxKZ000000ctxAAAA',
      myDomainUrl: 'https://env.my.salesforce.com',
      memorySize: 2048,
      logLevel: 'WARN',
    });
  });

  it('ignores unprefixed variables such as a local run’s AUTH_MODE=none', () => {
    const app = new App();

    const config = loadStackConfig(app.node, {
      AUTH_MODE: 'none',
      MCP_AGENT_ID: REQUIRED_SETTINGS.agentId,
      MCP_MY_DOMAIN_URL: REQUIRED_SETTINGS.myDomainUrl,
    });

    expect(config.authMode).toBe('cognito');
  });

  it('returns an MCP_ name for every setting', () => {
    expect(SETTING_KEYS.map(envVarName)).toContain('MCP_SALESFORCE_SECRET_ARN');
    expect(envVarName('jwtJwksUrl')).toBe('MCP_JWT_JWKS_URL');
    expect(new Set(SETTING_KEYS.map(envVarName)).size).toBe(SETTING_KEYS.length);
  });
});
