import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambda/config.js';
import {
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from '../../lambda/http/rules.js';
import { MINIMAL_FUNCTION_ENV } from '../helpers/env.js';
import {
  functionEnvironment,
  JWT_SETTINGS,
  onlyResource,
  REQUIRED_SETTINGS,
  removeSynthOutputs,
  render,
  resourcesOf,
  synth,
} from './synth.js';

const IMPORTED_SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:agentforce/salesforce-AbC123';

afterAll(removeSynthOutputs);

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every IAM statement of the template: inline role policies, policies and managed policies. */
function allStatements(template: ReturnType<typeof synth>['template']): Statement[] {
  const statements: Statement[] = [];
  for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
    statements.push(...(policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  }
  for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy'))) {
    statements.push(...(policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  }
  for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) {
    for (const inline of (role.Properties.Policies as {
      PolicyDocument: { Statement: Statement[] };
    }[]) ?? []) {
      statements.push(...inline.PolicyDocument.Statement);
    }
  }
  return statements;
}

describe('Class: McpServerStack', () => {
  describe('Function URL', () => {
    it('returns a Function URL with auth type NONE and the RESPONSE_STREAM invoke mode by default', () => {
      const { template } = synth();

      template.resourceCountIs('AWS::Lambda::Url', 1);
      template.hasResourceProperties('AWS::Lambda::Url', {
        AuthType: 'NONE',
        InvokeMode: 'RESPONSE_STREAM',
        Cors: Match.absent(),
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.streamingHandler',
      });
    });

    it('returns the BUFFERED invoke mode and its entry point when configured', () => {
      const { template } = synth({ invokeMode: 'buffered' });

      template.hasResourceProperties('AWS::Lambda::Url', { InvokeMode: 'BUFFERED' });
      template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler' });
    });

    it('returns CORS for exactly the allowed origins, which the function also receives, with its header lists', () => {
      const origins = ['http://localhost:6274', 'https://app.example.com'];

      const { template } = synth({ allowedOrigins: origins.join(',') });

      template.hasResourceProperties('AWS::Lambda::Url', {
        Cors: {
          AllowOrigins: origins,
          // POST only: GET and DELETE answer 405 (stateless); the CORS front end answers OPTIONS.
          AllowMethods: ['POST'],
          AllowHeaders: [...CORS_ALLOW_HEADERS],
          ExposeHeaders: [...CORS_EXPOSE_HEADERS],
          MaxAge: CORS_MAX_AGE_SECONDS,
        },
      });
      expect(functionEnvironment(template).ALLOWED_ORIGINS).toBe(origins.join(','));
    });
  });

  describe('Function', () => {
    it('returns Node.js 24 on arm64 with 256 MB, no reserved concurrency and a 50 s timeout by default', () => {
      const { template } = synth();

      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.streamingHandler',
        MemorySize: 256,
        Timeout: 50,
        ReservedConcurrentExecutions: Match.absent(),
      });
    });

    it('returns the configured memory, reserved concurrency and a timeout 5 s past the deadline', () => {
      const { template } = synth({
        memorySize: '1024',
        reservedConcurrency: 5,
        toolDeadlineMs: 29_500,
      });

      template.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: 1024,
        ReservedConcurrentExecutions: 5,
        Timeout: 35,
      });
      expect(functionEnvironment(template).TOOL_DEADLINE_MS).toBe('29500');
    });

    it('returns the environment contract of lambda/config.ts in cognito mode', () => {
      const { template } = synth({ apiUrl: 'https://api.salesforce.com/', logLevel: 'debug' });
      const [tableId] = onlyResource(template, 'AWS::DynamoDB::GlobalTable');
      const [secretId] = onlyResource(template, 'AWS::SecretsManager::Secret');
      const [poolId] = onlyResource(template, 'AWS::Cognito::UserPool');
      const [clientId] = onlyResource(template, 'AWS::Cognito::UserPoolClient');

      expect(functionEnvironment(template)).toEqual({
        TABLE_NAME: { Ref: tableId },
        SALESFORCE_SECRET_ARN: { Ref: secretId },
        SALESFORCE_SERVER_URL: 'https://acme.my.salesforce.com',
        SALESFORCE_AGENT_ID: REQUIRED_SETTINGS.agentId,
        SALESFORCE_API_URL: 'https://api.salesforce.com',
        SALESFORCE_BYPASS_USER: 'true',
        SALESFORCE_PLAIN_TEXT: 'false',
        MAX_SESSIONS_PER_TENANT: '100',
        TOOL_DEADLINE_MS: '45000',
        ALLOWED_ORIGINS: '',
        ALLOWED_HOSTS: { 'Fn::Join': ['', ['*.lambda-url.', { Ref: 'AWS::Region' }, '.on.aws']] },
        POWERTOOLS_SERVICE_NAME: 'McpTest',
        POWERTOOLS_METRICS_NAMESPACE: 'AgentforceMcp',
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AUTH_MODE: 'cognito',
        COGNITO_USER_POOL_ID: { Ref: poolId },
        AUTH_CLIENT_IDS: { Ref: clientId },
        AUTH_REQUIRED_SCOPE: 'agentforce-mcp/mcp.invoke',
      });
    });

    it('passes the agent settings through in a form the function accepts', () => {
      // Prepare
      const variables = [{ name: 'EndUserLanguage', type: 'Text', default: 'en_US' }];

      // Act
      const { template } = synth({
        bypassUser: 'false',
        plainText: true,
        agentVariables: variables,
        maxSessionsPerTenant: '250',
      });

      // Assess
      const env = functionEnvironment(template);
      expect(env).toMatchObject({ SALESFORCE_BYPASS_USER: 'false', SALESFORCE_PLAIN_TEXT: 'true' });
      const config = loadConfig({
        ...MINIMAL_FUNCTION_ENV,
        SALESFORCE_BYPASS_USER: String(env.SALESFORCE_BYPASS_USER),
        SALESFORCE_PLAIN_TEXT: String(env.SALESFORCE_PLAIN_TEXT),
        SALESFORCE_AGENT_VARIABLES: String(env.SALESFORCE_AGENT_VARIABLES),
        MAX_SESSIONS_PER_TENANT: String(env.MAX_SESSIONS_PER_TENANT),
      });
      expect(config.salesforce).toMatchObject({ bypassUser: false, plainText: true });
      expect(config.limits.maxSessionsPerTenant).toBe(250);
      expect(config.salesforce.variables).toMatchObject([
        { name: 'EndUserLanguage', type: 'Text', input: 'var_end_user_language', default: 'en_US' },
      ]);
    });

    it('refuses at synth a session cap the function would refuse at cold start', () => {
      expect(() => synth({ maxSessionsPerTenant: '5000' })).toThrow(/maxSessionsPerTenant/);
    });

    it('refuses at synth an agent variable the function would refuse at cold start', () => {
      expect(() => synth({ agentVariables: '[{"name":"X","type":"Nope"}]' })).toThrow(
        /agentVariables/
      );
    });

    it('returns the literal Function URL host pattern when the stack has a region', () => {
      const { template } = synth({}, { env: { account: '123456789012', region: 'eu-west-1' } });

      expect(functionEnvironment(template).ALLOWED_HOSTS).toBe('*.lambda-url.eu-west-1.on.aws');
    });

    it('returns a log group with the configured retention', () => {
      const { template } = synth({ logRetentionDays: '90' });
      const [logGroupId] = onlyResource(template, 'AWS::Logs::LogGroup');

      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
      template.hasResourceProperties('AWS::Lambda::Function', {
        LoggingConfig: { LogGroup: { Ref: logGroupId } },
      });
    });
  });

  describe('Table', () => {
    it('returns an on-demand table keyed by stateKey (tenant#email) with TTL on expiresAt and PITR, retained', () => {
      const { template } = synth();

      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'stateKey', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'stateKey', AttributeType: 'S' }],
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          Replicas: [
            Match.objectLike({
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              DeletionProtectionEnabled: true,
            }),
          ],
        },
      });
    });

    it('returns deletable resources without deletion protection when removalPolicy is destroy', () => {
      const { template } = synth({ removalPolicy: 'DESTROY' });

      for (const type of [
        'AWS::DynamoDB::GlobalTable',
        'AWS::SecretsManager::Secret',
        'AWS::Logs::LogGroup',
        'AWS::Cognito::UserPool',
      ]) {
        expect(onlyResource(template, type)[1].DeletionPolicy, type).toBe('Delete');
      }
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
      });
      template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' });
    });
  });

  describe('IAM', () => {
    it('returns only log, table and secret statements, each on its exact ARN', () => {
      const { template } = synth();
      const [logGroupId] = onlyResource(template, 'AWS::Logs::LogGroup');
      const [tableId] = onlyResource(template, 'AWS::DynamoDB::GlobalTable');
      const [secretId] = onlyResource(template, 'AWS::SecretsManager::Secret');

      expect(allStatements(template)).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        },
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } },
      ]);
    });

    it.each([
      ['cognito', {}],
      ['jwt', JWT_SETTINGS],
      ['none', { authMode: 'none' }],
      ['an imported secret', { salesforceSecretArn: IMPORTED_SECRET_ARN }],
    ])('returns no wildcard resource and no managed policy with %s', (_name, settings) => {
      const { template } = synth(settings);

      for (const statement of allStatements(template)) {
        const resources = Array.isArray(statement.Resource)
          ? statement.Resource
          : [statement.Resource];
        for (const resource of resources) {
          expect(JSON.stringify(resource)).not.toContain('*');
        }
        expect(JSON.stringify(statement.Action)).not.toMatch(/\*|Scan|Query|BatchGet/);
      }
      for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('Secret', () => {
    it('returns a secret generated from a placeholder template, with no value in the template', () => {
      const { template } = synth();
      const [, secret] = onlyResource(template, 'AWS::SecretsManager::Secret');

      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toMatchObject({
        SecretStringTemplate: '{"SALESFORCE_CLIENT_ID":"REPLACE_WITH_CONSUMER_KEY"}',
        GenerateStringKey: 'SALESFORCE_CLIENT_SECRET',
      });
      expect(JSON.stringify(template.toJSON())).not.toMatch(/"SecretString"\s*:/);
    });

    it('returns no secret resource and grants the imported ARN when salesforceSecretArn is set', () => {
      const { template } = synth({ salesforceSecretArn: IMPORTED_SECRET_ARN });

      template.resourceCountIs('AWS::SecretsManager::Secret', 0);
      expect(functionEnvironment(template).SALESFORCE_SECRET_ARN).toBe(IMPORTED_SECRET_ARN);
      expect(allStatements(template)).toContainEqual({
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: IMPORTED_SECRET_ARN,
      });
    });
  });

  describe('Cognito', () => {
    it('returns a user pool without self sign-up, protected from deletion', () => {
      const { template } = synth();

      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        DeletionProtection: 'ACTIVE',
        MfaConfiguration: 'ON',
      });
    });

    it('returns a confidential client-credentials client limited to the mcp.invoke scope', () => {
      const { template } = synth();
      const [serverId] = onlyResource(template, 'AWS::Cognito::UserPoolResourceServer');

      template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
        Identifier: 'agentforce-mcp',
        Scopes: [{ ScopeName: 'mcp.invoke', ScopeDescription: Match.anyValue() }],
      });
      template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: [{ 'Fn::Join': ['', [{ Ref: serverId }, '/mcp.invoke']] }],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        CallbackURLs: Match.absent(),
      });
    });

    it('returns the configured domain prefix', () => {
      const { template } = synth({ cognitoDomainPrefix: 'acme-agentforce-mcp' });

      template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
        Domain: 'acme-agentforce-mcp',
      });
    });

    it('returns the operator outputs with working commands and client configuration', () => {
      const { template } = synth({}, { env: { account: '123456789012', region: 'eu-west-1' } });
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      const refs = {
        McpFunctionFunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/',
        UserPoolDomain: 'agentforce-mcp-1a2b3c4d',
        UserPoolAgentforceClient: 'client123',
        UserPoolResourceServer: 'agentforce-mcp',
        UserPool: 'eu-west-1_Pool',
        SalesforceCredentials: 'arn:secret',
        McpFunction: 'McpFunction',
        SessionTable: 'SessionTable',
        FunctionLogs: 'FunctionLogs',
        ObservabilityDashboard: 'McpTest-dashboard',
      };
      const value = (name: string) => render(outputs[name]?.Value, refs);

      expect(Object.keys(outputs).sort()).toEqual([
        'ClientId',
        'DashboardUrl',
        'FunctionName',
        'GetAccessTokenCommand',
        'LogGroupName',
        'McpClientConfig',
        'McpUrl',
        'PutSalesforceCredentialsCommand',
        'ReadClientSecretCommand',
        'SalesforceSecretArn',
        'Scope',
        'TableName',
        'TokenUrl',
        'UserPoolId',
      ]);
      expect(value('McpUrl')).toBe('https://abc.lambda-url.eu-west-1.on.aws/mcp');
      expect(value('TokenUrl')).toBe(
        'https://agentforce-mcp-1a2b3c4d.auth.eu-west-1.amazoncognito.com/oauth2/token'
      );
      expect(value('Scope')).toBe('agentforce-mcp/mcp.invoke');
      expect(value('ReadClientSecretCommand')).toBe(
        'aws cognito-idp describe-user-pool-client --region eu-west-1 --user-pool-id eu-west-1_Pool --client-id client123 --query UserPoolClient.ClientSecret --output text'
      );
      expect(value('PutSalesforceCredentialsCommand')).toBe(
        `aws secretsmanager put-secret-value --region eu-west-1 --secret-id arn:secret --secret-string '{"SALESFORCE_CLIENT_ID":"<consumer key>","SALESFORCE_CLIENT_SECRET":"<consumer secret>"}'`
      );
      // The README's recommended form: mcp-remote runs the grant and renews the token itself.
      expect(JSON.parse(value('McpClientConfig'))).toEqual({
        mcpServers: {
          agentforce: {
            command: 'npx',
            args: [
              '-y',
              'mcp-remote@0.15.1',
              'https://abc.lambda-url.eu-west-1.on.aws/mcp',
              '--transport',
              'http-only',
              '--client-credentials',
              '--token-endpoint',
              'https://agentforce-mcp-1a2b3c4d.auth.eu-west-1.amazoncognito.com/oauth2/token',
              '--static-oauth-client-info',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: expanded by mcp-remote.
              '{"client_id":"client123","client_secret":"${MCP_CLIENT_SECRET}"}',
              '--static-oauth-client-metadata',
              '{"scope":"agentforce-mcp/mcp.invoke","token_endpoint_auth_method":"client_secret_basic"}',
            ],
            env: { MCP_CLIENT_SECRET: '<client secret>' },
          },
        },
      });
      expect(value('FunctionName')).toBe('McpFunction');
      expect(value('TableName')).toBe('SessionTable');
      expect(value('LogGroupName')).toBe('FunctionLogs');
    });
  });

  describe('Auth modes', () => {
    it('returns no Cognito resource and the issuer settings in jwt mode', () => {
      const { template } = synth(JWT_SETTINGS);

      for (const type of [
        'UserPool',
        'UserPoolClient',
        'UserPoolDomain',
        'UserPoolResourceServer',
      ]) {
        template.resourceCountIs(`AWS::Cognito::${type}`, 0);
      }
      expect(functionEnvironment(template)).toMatchObject({
        AUTH_MODE: 'jwt',
        AUTH_ISSUER: JWT_SETTINGS.jwtIssuer,
        AUTH_JWKS_URL: JWT_SETTINGS.jwtJwksUrl,
        AUTH_AUDIENCE: JWT_SETTINGS.jwtAudience,
        AUTH_CLIENT_IDS: '',
        AUTH_REQUIRED_SCOPE: 'mcp.invoke',
      });
      expect(Object.keys(template.toJSON().Outputs)).not.toContain('TokenUrl');
    });

    it('returns no Cognito resource, a warning and a token-less client config in none mode', () => {
      const { stack, template } = synth({ authMode: 'none' });
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

      template.resourceCountIs('AWS::Cognito::UserPool', 0);
      expect(functionEnvironment(template).AUTH_MODE).toBe('none');
      expect(functionEnvironment(template).COGNITO_USER_POOL_ID).toBeUndefined();
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('unauthenticated'));
      const config = JSON.parse(
        render(outputs.McpClientConfig?.Value, { McpFunctionFunctionUrl: 'https://u/' })
      );
      expect(config.mcpServers.agentforce).toEqual({
        command: 'npx',
        args: ['-y', 'mcp-remote@0.15.1', 'https://u/mcp', '--transport', 'http-only'],
      });
    });
  });
});
