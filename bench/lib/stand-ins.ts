import {
  createSessionTable,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_AWS_REGION,
  startDynamoDbLocal,
} from '../../local/dynamodb-local.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import {
  type CountingServer,
  startCountingProxy,
  startFakeSecretsManager,
} from './aws-stand-ins.js';

export const BENCH_TABLE = 'agentforce-mcp-bench';
export const BENCH_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:000000000000:secret:agentforce-mcp/salesforce-AbCdEf';

/** The local backends every section shares, started once by the parent (never timed). */
export interface StandIns {
  /** DynamoDB Local, direct (what the cold-start children use). */
  readonly dynamoEndpoint: string;
  /** A counting proxy in front of DynamoDB Local (what the I/O section uses). */
  readonly dynamoProxy: CountingServer;
  readonly secretsManager: CountingServer;
  readonly simulator: Simulator;
  /** The environment a production handler needs to run against these stand-ins. */
  handlerEnv(options?: { dynamoEndpoint?: string }): Record<string, string>;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local (with the session table), the simulator (latency 0) and a fake Secrets Manager. */
export async function startStandIns(): Promise<StandIns> {
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopper of stoppers.splice(0).reverse()) await stopper().catch(() => undefined);
  };
  try {
    const ddb = await startDynamoDbLocal();
    stoppers.push(() => ddb.stop());
    await createSessionTable(ddb.endpoint, BENCH_TABLE);
    const dynamoProxy = await startCountingProxy(ddb.endpoint);
    stoppers.push(() => dynamoProxy.close());
    const simulator = await startSimulator({ latencyMs: 0 });
    stoppers.push(() => simulator.close());
    const secretsManager = await startFakeSecretsManager({
      arn: BENCH_SECRET_ARN,
      value: {
        SALESFORCE_CLIENT_ID: simulator.credentials.clientId,
        SALESFORCE_CLIENT_SECRET: simulator.credentials.clientSecret,
      },
    });
    stoppers.push(() => secretsManager.close());
    return {
      dynamoEndpoint: ddb.endpoint,
      dynamoProxy,
      secretsManager,
      simulator,
      handlerEnv: (options = {}) => ({
        TABLE_NAME: BENCH_TABLE,
        SALESFORCE_SECRET_ARN: BENCH_SECRET_ARN,
        SALESFORCE_SERVER_URL: simulator.url,
        SALESFORCE_AGENT_ID: simulator.agentId,
        AUTH_MODE: 'none',
        // Every cold run starts a session for a new client of the one local tenant.
        MAX_SESSIONS_PER_TENANT: '1000',
        AWS_REGION: LOCAL_AWS_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint ?? ddb.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
      }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
