import { fileURLToPath } from 'node:url';
import {
  Annotations,
  Aws,
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
  MCP_METHODS,
} from '../lambda/http/rules.js';
import { METRICS_NAMESPACE } from '../lambda/observability/metric-names.js';
import { PLACEHOLDER_CLIENT_ID } from '../lambda/secrets/placeholder.js';
import { invocationBudgetMs } from '../lambda/shared/deadline.js';
import { SESSION_TABLE } from '../lambda/state/table-schema.js';
import { functionBundling } from './bundling.js';
import type { StackConfig } from './config.js';
import { systemLogProps, warnReservedConcurrency } from './cost-guard.js';
import { deploymentProblems } from './deploy-checks.js';
import { StackConfigError } from './errors.js';
import { Observability } from './observability.js';

/** Identifier of the Cognito resource server; scopes are `<identifier>/<scope>`. */
export const RESOURCE_SERVER_ID = 'agentforce-mcp';
/** The one scope an MCP client needs; Agentforce's registration "Scope" field. */
export const INVOKE_SCOPE = `${RESOURCE_SERVER_ID}/mcp.invoke`;
/** Exactly what the session store calls (lambda/state/dynamodb-session-store.ts). */
export const TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

const repoPath = (relative: string) => fileURLToPath(new URL(`../${relative}`, import.meta.url));

/** Properties of {@link McpServerStack}. */
export interface McpServerStackProps extends StackProps {
  /** Validated deployment settings (see `infra/config.ts`). */
  readonly config: StackConfig;
}

/**
 * The MCP server: one Lambda function behind a Function URL, its DynamoDB state table, the
 * Salesforce credentials secret and, in the default `cognito` mode, the OAuth authorization server
 * Agentforce gets its client-credentials tokens from.
 *
 * @example
 * new McpServerStack(app, 'AgentforceMcpServer', { config: loadStackConfig(app.node, process.env) });
 */
export class McpServerStack extends Stack {
  /** The MCP endpoint: the Function URL plus `mcp`. */
  readonly mcpUrl: string;
  readonly function: NodejsFunction;
  readonly table: dynamodb.TableV2;
  readonly secret: secretsmanager.ISecret;
  /** The user pool, in cognito mode only. */
  readonly userPool?: cognito.UserPool;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: McpServerStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Fail here, not halfway through a deployment; offline synths have no region and skip this.
    const problems = deploymentProblems(
      config,
      Token.isUnresolved(this.region) ? undefined : this.region
    );
    if (problems.length > 0) throw new StackConfigError(problems);
    const retain = config.removalPolicy === 'retain';
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // One item per client email; TTL reaps idle conversations. RETAIN by default: losing it only
    // forgets open sessions, but an accidental `cdk destroy` should not be the way that happens.
    this.table = new dynamodb.TableV2(this, 'SessionTable', {
      partitionKey: { name: SESSION_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: SESSION_TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      removalPolicy,
    });

    this.secret = config.salesforceSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(
          this,
          'SalesforceCredentials',
          config.salesforceSecretArn
        )
      : this.createCredentialsSecret(removalPolicy);

    const logGroup = new logs.LogGroup(this, 'FunctionLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });

    // A role of our own instead of the default AWSLambdaBasicExecutionRole, whose log permissions
    // cover every log group of the account.
    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Agentforce MCP server: its log group, state table and Salesforce secret only',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      })
    );
    role.addToPolicy(
      new iam.PolicyStatement({ actions: [...TABLE_ACTIONS], resources: [this.table.tableArn] })
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.secret.secretArn],
      })
    );
    if (config.salesforceSecretKmsKeyArn !== undefined) {
      // A secret under a customer managed key is only readable with Decrypt on that key, and
      // only through Secrets Manager.
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [config.salesforceSecretKmsKeyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com`,
            },
          },
        })
      );
    }

    const auth = this.createAuthorization(config, removalPolicy);
    // The handler answers by the tool deadline; the margin lets it write state and reply.
    const timeout = Duration.seconds(Math.ceil(invocationBudgetMs(config.toolDeadlineMs) / 1000));
    this.userPool = auth.cognito?.userPool;

    this.function = new NodejsFunction(this, 'McpFunction', {
      description: 'Remote MCP server bridging MCP clients to a Salesforce Agentforce agent',
      entry: repoPath('lambda/handler.ts'),
      // lambda/handler.ts exports one entry point per invoke mode.
      handler: config.invokeMode === 'RESPONSE_STREAM' ? 'streamingHandler' : 'handler',
      projectRoot: repoPath(''),
      depsLockFilePath: repoPath('package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: config.memorySize,
      timeout,
      ...(config.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: config.reservedConcurrency }),
      role,
      logGroup,
      ...systemLogProps(config),
      // Off by default: Lambda's own segments only (no X-Ray SDK in the bundle, no cold-start cost).
      ...(config.tracing === 'active' ? { tracing: lambda.Tracing.ACTIVE } : {}),
      environment: {
        TABLE_NAME: this.table.tableName,
        SALESFORCE_SECRET_ARN: this.secret.secretArn,
        SALESFORCE_SERVER_URL: config.myDomainUrl,
        SALESFORCE_AGENT_ID: config.agentId,
        ...(config.apiUrl === undefined ? {} : { SALESFORCE_API_URL: config.apiUrl }),
        SALESFORCE_BYPASS_USER: String(config.bypassUser),
        SALESFORCE_PLAIN_TEXT: String(config.plainText),
        MAX_SESSIONS_PER_TENANT: String(config.maxSessionsPerTenant),
        ...(config.agentVariables.length === 0
          ? {}
          : { SALESFORCE_AGENT_VARIABLES: JSON.stringify(config.agentVariables) }),
        TOOL_DEADLINE_MS: String(config.toolDeadlineMs),
        ALLOWED_ORIGINS: config.allowedOrigins.join(','),
        // The Function URL's own host cannot be referenced here (it depends on this function),
        // so allow the regional Function URL domain; anything else is DNS rebinding.
        ALLOWED_HOSTS: `*.lambda-url.${Stack.of(this).region}.on.aws`,
        // The metrics' `service` dimension: each stack of an account has its own series.
        POWERTOOLS_SERVICE_NAME: this.stackName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...auth.environment,
      },
      bundling: functionBundling(),
    });

    const functionUrl = this.function.addFunctionUrl({
      // Agentforce and the other MCP clients cannot sign requests with SigV4: the function checks
      // the OAuth bearer token itself (lambda/auth) and answers 401/403.
      authType: lambda.FunctionUrlAuthType.NONE,
      // RESPONSE_STREAM only works with a handler wrapped in awslambda.streamifyResponse.
      invokeMode:
        config.invokeMode === 'RESPONSE_STREAM'
          ? lambda.InvokeMode.RESPONSE_STREAM
          : lambda.InvokeMode.BUFFERED,
      ...(config.allowedOrigins.length === 0
        ? {}
        : {
            // Browser clients (MCP Inspector, web apps) only; server-to-server clients send no Origin.
            cors: {
              allowedOrigins: config.allowedOrigins,
              // OPTIONS is answered by the Function URL's CORS front end itself.
              allowedMethods: MCP_METHODS.filter((m) => m !== 'OPTIONS').map(
                (m) => lambda.HttpMethod[m]
              ),
              allowedHeaders: [...CORS_ALLOW_HEADERS],
              exposedHeaders: [...CORS_EXPOSE_HEADERS],
              maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
            },
          }),
    });
    this.mcpUrl = `${functionUrl.url}mcp`;
    if (config.tracing === 'active') {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'tracing=active: Lambda adds xray:PutTraceSegments and PutTelemetryRecords, which support no resource-level permissions.',
      });
    }

    warnReservedConcurrency(this, config);
    this.observability = new Observability(this, 'Observability', {
      fn: this.function,
      table: this.table,
      tableOperations: TABLE_ACTIONS.map(
        (action) => action.replace('dynamodb:', '') as dynamodb.Operation
      ),
      service: this.stackName,
      timeout,
      logGroup,
      requestAlarmThreshold: config.requestAlarmThreshold,
      ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
      ...(config.alarmTopicArn === undefined ? {} : { alarmTopicArn: config.alarmTopicArn }),
    });

    this.addOutputs(config, auth, logGroup);
  }

  /**
   * A secret with placeholder content. The template holds only the JSON skeleton; Secrets Manager
   * fills the secret key with random characters, which the operator overwrites after deployment.
   */
  private createCredentialsSecret(removalPolicy: RemovalPolicy): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'SalesforceCredentials', {
      description:
        'Salesforce External Client App credentials (JSON: SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ SALESFORCE_CLIENT_ID: PLACEHOLDER_CLIENT_ID }),
        generateStringKey: 'SALESFORCE_CLIENT_SECRET',
        excludePunctuation: true,
        passwordLength: 32,
      },
      removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Holds the consumer key and secret of a Salesforce External Client App. Salesforce issues and rotates them; a rotation Lambda cannot, so an admin rotates in Salesforce and runs put-secret-value.',
    });
    return secret;
  }

  /** The resources and function environment of the configured inbound authorization. */
  private createAuthorization(config: StackConfig, removalPolicy: RemovalPolicy): Authorization {
    if (config.authMode === 'none') {
      Annotations.of(this).addWarningV2(
        'agentforce-mcp:unauthenticated',
        'authMode=none: the MCP endpoint is public and unauthenticated. Use it for tests only.'
      );
      return { environment: { AUTH_MODE: 'none' } };
    }
    if (config.authMode === 'jwt') {
      return {
        environment: {
          AUTH_MODE: 'jwt',
          AUTH_ISSUER: config.jwtIssuer ?? '',
          AUTH_JWKS_URL: config.jwtJwksUrl ?? '',
          AUTH_AUDIENCE: config.jwtAudience.join(','),
          AUTH_CLIENT_IDS: config.jwtClientIds.join(','),
          AUTH_REQUIRED_SCOPE: config.jwtRequiredScope.join(' '),
        },
      };
    }

    const retain = removalPolicy === RemovalPolicy.RETAIN;
    // Machine-to-machine only: no users, no sign-up, no hosted sign-in. The password and MFA
    // settings are strict anyway, so a user created by hand later is not the weak point.
    const userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      accountRecovery: cognito.AccountRecovery.NONE,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      // Client-credentials tokens are billed alike on every plan; nothing of Essentials or Plus
      // applies to a pool without users.
      featurePlan: cognito.FeaturePlan.LITE,
      deletionProtection: retain,
      removalPolicy,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Plus plan adds threat protection for user sign-ins. This pool has no users and no sign-in: only app clients using the client-credentials grant.',
    });

    const invokeScope = new cognito.ResourceServerScope({
      scopeName: 'mcp.invoke',
      scopeDescription: 'Call the tools of the Agentforce MCP server',
    });
    const resourceServer = userPool.addResourceServer('ResourceServer', {
      identifier: RESOURCE_SERVER_ID,
      scopes: [invokeScope],
    });
    // Domain prefixes are global per region: default to one derived from the stack's own UUID.
    const stackUuidHead = Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
    const domain = userPool.addDomain('Domain', {
      cognitoDomain: {
        domainPrefix: config.cognitoDomainPrefix ?? Fn.join('-', ['agentforce-mcp', stackUuidHead]),
      },
    });
    // The confidential client Agentforce registers with: client credentials and our scope only.
    const client = userPool.addClient('AgentforceClient', {
      generateSecret: true,
      authFlows: {},
      oAuth: {
        flows: { clientCredentials: true },
        scopes: [cognito.OAuthScope.resourceServer(resourceServer, invokeScope)],
      },
      accessTokenValidity: Duration.hours(1),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    });
    // Left unset, Cognito also enables SRP and custom user sign-in on the client; allow only the
    // refresh-token flow (it needs one), which client-credentials tokens never use.
    const cfnClient = client.node.defaultChild as cognito.CfnUserPoolClient;
    cfnClient.explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];

    return {
      environment: {
        AUTH_MODE: 'cognito',
        COGNITO_USER_POOL_ID: userPool.userPoolId,
        AUTH_CLIENT_IDS: client.userPoolClientId,
        AUTH_REQUIRED_SCOPE: INVOKE_SCOPE,
      },
      cognito: { userPool, client, tokenUrl: `${domain.baseUrl()}/oauth2/token` },
    };
  }

  private addOutputs(config: StackConfig, auth: Authorization, logGroup: logs.LogGroup): void {
    const region = Stack.of(this).region;
    new CfnOutput(this, 'FunctionName', { value: this.function.functionName });
    new CfnOutput(this, 'LogGroupName', {
      description:
        'Request log lines and EMF metrics (namespace AgentforceMcp, service = stack name)',
      value: logGroup.logGroupName,
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'DashboardUrl', { value: this.observability.dashboardUrl() });
    for (const [i, topic] of this.observability.topics.entries()) {
      new CfnOutput(this, i === 0 ? 'AlarmTopicArn' : `AlarmTopicArn${i + 1}`, {
        value: topic.topicArn,
      });
    }
    new CfnOutput(this, 'McpUrl', {
      description: 'MCP endpoint (Streamable HTTP): register this URL in Agentforce Registry',
      value: this.mcpUrl,
    });
    new CfnOutput(this, 'SalesforceSecretArn', {
      description: 'Secret holding the Salesforce External Client App credentials',
      value: this.secret.secretArn,
    });
    new CfnOutput(this, 'PutSalesforceCredentialsCommand', {
      description:
        'Stores the Salesforce credentials (replace the placeholders; mind shell history)',
      value: `aws secretsmanager put-secret-value --region ${region} --secret-id ${this.secret.secretArn} --secret-string '{"SALESFORCE_CLIENT_ID":"<consumer key>","SALESFORCE_CLIENT_SECRET":"<consumer secret>"}'`,
    });

    if (auth.cognito) {
      const { userPool, client, tokenUrl } = auth.cognito;
      new CfnOutput(this, 'TokenUrl', {
        description: 'OAuth token endpoint: Agentforce "Identity Provider URL"',
        value: tokenUrl,
      });
      new CfnOutput(this, 'ClientId', {
        description: 'OAuth client id: Agentforce "Client ID"',
        value: client.userPoolClientId,
      });
      new CfnOutput(this, 'Scope', {
        description: 'OAuth scope: Agentforce "Scope"',
        value: INVOKE_SCOPE,
      });
      new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
      new CfnOutput(this, 'GetAccessTokenCommand', {
        description: 'Fetches an access token for a test client (MCP Inspector, curl)',
        value: `curl -s -u "${client.userPoolClientId}:<client secret>" -d grant_type=client_credentials -d scope=${INVOKE_SCOPE} ${tokenUrl}`,
      });
      new CfnOutput(this, 'ReadClientSecretCommand', {
        description: 'Prints the OAuth client secret (Agentforce "Client Secret")',
        value: `aws cognito-idp describe-user-pool-client --region ${region} --user-pool-id ${userPool.userPoolId} --client-id ${client.userPoolClientId} --query UserPoolClient.ClientSecret --output text`,
      });
    }

    new CfnOutput(this, 'McpClientConfig', {
      description:
        auth.cognito === undefined
          ? 'Claude Desktop / mcp-remote configuration'
          : 'Claude Desktop / mcp-remote configuration: renews its own token; put the client secret (ReadClientSecretCommand) in env',
      value: Stack.of(this).toJsonString({
        mcpServers: { agentforce: this.mcpRemoteServer(config, auth) },
      }),
    });
  }

  /**
   * The stdio server entry of an mcp-remote configuration (Claude Desktop and other stdio-only
   * clients). In cognito mode mcp-remote runs the client-credentials grant itself and renews the
   * token; elsewhere it sends a token the operator fetched. Secrets come from `env` entries,
   * because some clients split arguments on spaces.
   */
  private mcpRemoteServer(config: StackConfig, auth: Authorization): Record<string, unknown> {
    const base = ['-y', MCP_REMOTE, this.mcpUrl, '--transport', 'http-only'];
    if (auth.cognito) {
      const { client, tokenUrl } = auth.cognito;
      const clientInfo = Fn.join('', [
        '{"client_id":"',
        client.userPoolClientId,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands it from `env`.
        '","client_secret":"${MCP_CLIENT_SECRET}"}',
      ]);
      const metadata = JSON.stringify({
        scope: INVOKE_SCOPE,
        token_endpoint_auth_method: 'client_secret_basic',
      });
      return {
        command: 'npx',
        args: [
          ...base,
          '--client-credentials',
          '--token-endpoint',
          tokenUrl,
          '--static-oauth-client-info',
          clientInfo,
          '--static-oauth-client-metadata',
          metadata,
        ],
        env: { MCP_CLIENT_SECRET: '<client secret>' },
      };
    }
    if (config.authMode === 'none') return { command: 'npx', args: base };
    return {
      command: 'npx',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands it from `env`.
      args: [...base, '--header', 'Authorization:${AUTH_HEADER}'],
      env: { AUTH_HEADER: 'Bearer <access token from your issuer>' },
    };
  }
}

/** The mcp-remote version the README and the interop tests use. */
export const MCP_REMOTE = 'mcp-remote@0.15.1';

/** What an auth mode contributes to the stack. */
interface Authorization {
  readonly environment: Readonly<Record<string, string>>;
  readonly cognito?: {
    readonly userPool: cognito.UserPool;
    readonly client: cognito.UserPoolClient;
    readonly tokenUrl: string;
  };
}
