import { existsSync } from 'node:fs';
import { DEFAULT_TOOL_DEADLINE_MS, invocationBudgetMs } from '../lambda/shared/deadline.js';
import {
  createSessionTable,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_AWS_REGION,
  startDynamoDbLocal,
} from './dynamodb-local.js';
import type { FunctionUrlHandler } from './function-url-event.js';
import { installLocalStreamingRuntime, type StreamingHandler } from './streaming-runtime.js';

/** The local stand-ins the handler runs against, and how to stop them. */
export interface LocalBackends {
  readonly handler: FunctionUrlHandler;
  /** The `RESPONSE_STREAM` entry point over a local stand-in for Lambda's streaming runtime. */
  readonly streamingHandler: StreamingHandler;
  /** One line each: which Salesforce and which DynamoDB the handler uses. */
  readonly salesforce: string;
  readonly dynamo: string;
  readonly timeoutMs: number;
  stop(): Promise<void>;
}

/** Both entry points of `lambda/handler.ts`. */
export interface EntryPoints {
  readonly handler: FunctionUrlHandler;
  readonly streamingHandler: StreamingHandler;
}

/** What `startLocalBackends` may be told. */
export interface LocalBackendOptions {
  /**
   * Loads the entry points once the environment (and the local streaming runtime) is ready; by
   * default `lambda/handler.ts`, exactly as Lambda would. The conformance fixture server passes
   * one with its fixture tools added.
   */
  readonly loadHandler?: () => Promise<EntryPoints>;
}

/**
 * Prepares the environment the Lambda handler reads (embedded defaults, `.env`, or the caller's
 * SALESFORCE_* variables), starts
 * DynamoDB Local and the Agentforce simulator when no real backend is configured, then loads the
 * handler exactly as Lambda would.
 */
export async function startLocalBackends(
  options: LocalBackendOptions = {}
): Promise<LocalBackends> {
  const env = process.env;
  if (existsSync('.env')) process.loadEnvFile('.env');
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  env.POWERTOOLS_SERVICE_NAME ??= 'agentforce-mcp';
  env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
  env.TABLE_NAME ??= 'agentforce-mcp-sessions';
  env.AUTH_MODE ??= 'none';
  // *.on.aws admits the sample events in events/, which carry a Function URL host.
  env.ALLOWED_HOSTS ??= '127.0.0.1,localhost,[::1],*.on.aws';
  // The MCP Inspector's web UI runs on port 6274.
  env.ALLOWED_ORIGINS ??= 'http://localhost:6274,http://127.0.0.1:6274';

  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopper of stoppers.splice(0).reverse()) await stopper().catch(() => undefined);
  };
  try {
    let dynamo = `AWS DynamoDB (${env.AWS_ENDPOINT_URL_DYNAMODB ?? 'default endpoint'}), table ${env.TABLE_NAME}`;
    if (!env.AWS_ENDPOINT_URL_DYNAMODB && env.USE_AWS_DYNAMODB !== 'true') {
      const ddb = await startDynamoDbLocal();
      stoppers.push(() => ddb.stop());
      env.AWS_ENDPOINT_URL_DYNAMODB = ddb.endpoint;
      env.AWS_REGION = LOCAL_AWS_REGION;
      env.AWS_ACCESS_KEY_ID = LOCAL_AWS_CREDENTIALS.accessKeyId;
      env.AWS_SECRET_ACCESS_KEY = LOCAL_AWS_CREDENTIALS.secretAccessKey;
      await createSessionTable(ddb.endpoint, env.TABLE_NAME);
      dynamo = `DynamoDB Local (in memory) at ${ddb.endpoint}, table ${env.TABLE_NAME}`;
    }

    let salesforce = `Salesforce org ${env.SALESFORCE_SERVER_URL ?? '(from SALESFORCE_SECRET_ARN)'}`;
    if (!env.SALESFORCE_SERVER_URL && !env.SALESFORCE_SECRET_ARN) {
      const { startSimulator } = await import('../simulator/index.js');
      const { DEFAULT_CLI_LATENCY, parseLatency } = await import('../simulator/cli-config.js');
      const simulator = await startSimulator({
        latencyMs: parseLatency(env.SIMULATOR_LATENCY_MS ?? DEFAULT_CLI_LATENCY),
      });
      stoppers.push(() => simulator.close());
      env.SALESFORCE_SERVER_URL = simulator.url;
      env.SALESFORCE_AGENT_ID = simulator.agentId;
      env.SALESFORCE_CLIENT_ID = simulator.credentials.clientId;
      env.SALESFORCE_CLIENT_SECRET = simulator.credentials.clientSecret;
      salesforce = `Agentforce simulator at ${simulator.url} (agent ${simulator.agentId})`;
    }

    // Imported only now: the handler parses its configuration from the environment at load time,
    // and defines its streaming entry point only where `awslambda` can stream.
    installLocalStreamingRuntime();
    const { handler, streamingHandler } = options.loadHandler
      ? await options.loadHandler()
      : ((await import('../lambda/handler.js')) as EntryPoints);
    const timeoutMs = invocationBudgetMs(Number(env.TOOL_DEADLINE_MS ?? DEFAULT_TOOL_DEADLINE_MS));
    return { handler, streamingHandler, salesforce, dynamo, timeoutMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
