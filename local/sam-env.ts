/**
 * `npm run sam:env [-- --template cdk.out/<Stack>.template.json --outputs cdk-outputs.json
 * --out env.json --keep-auth]`: writes the `--env-vars` file `sam local invoke` needs.
 *
 * SAM passes a container only the variables the template declares, and resolves a `Ref` to the
 * referenced logical id, so the synthesized template alone gives the function a table named
 * `SessionTable1A2B3C4D` and a secret "ARN" that fails the cold start. This file fills every
 * declared variable that is not a literal from the deployed stack's outputs
 * (`cdk deploy --outputs-file cdk-outputs.json`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** Declared variables that reference resources, and the stack output holding the real value. */
const FROM_OUTPUT: Readonly<Record<string, string>> = {
  TABLE_NAME: 'TableName',
  SALESFORCE_SECRET_ARN: 'SalesforceSecretArn',
  COGNITO_USER_POOL_ID: 'UserPoolId',
  AUTH_CLIENT_IDS: 'ClientId',
};

/** The CDK path suffix of the function in `infra/mcp-server-stack.ts`. */
const FUNCTION_PATH = '/McpFunction/Resource';

interface Template {
  Resources: Record<
    string,
    {
      Type: string;
      Metadata?: Record<string, unknown>;
      Properties?: { Environment?: { Variables?: Record<string, unknown> } };
    }
  >;
}

/** Options of {@link samEnvVars}. */
export interface SamEnvOptions {
  /** The stack's outputs (one stack of `cdk deploy --outputs-file`). */
  readonly outputs: Readonly<Record<string, string>>;
  /**
   * Keep the deployed auth mode. By default the local container runs with `AUTH_MODE=none` and
   * any `*.on.aws` host, so the unsigned sample events in `events/` are served.
   */
  readonly keepAuth?: boolean;
}

/**
 * The `--env-vars` document for the MCP function of a synthesized template: every variable the
 * template declares, keyed by the function's logical id.
 *
 * @throws Error naming the variables no output resolves
 * @example
 * const doc = samEnvVars(template, { outputs: { TableName: 't', SalesforceSecretArn: 'arn:…' } });
 */
export function samEnvVars(
  template: Template,
  options: SamEnvOptions
): Record<string, Record<string, string>> {
  // By CDK path (the CLI writes it), else by the logical id CDK derives from the construct id.
  const found = Object.entries(template.Resources).find(
    ([id, resource]) =>
      resource.Type === 'AWS::Lambda::Function' &&
      (String(resource.Metadata?.['aws:cdk:path'] ?? '').endsWith(FUNCTION_PATH) ||
        /^McpFunction[0-9A-F]{8}$/.test(id))
  );
  if (!found) throw new Error(`No function ending in ${FUNCTION_PATH} in the template`);
  const [logicalId, fn] = found;
  const declared = fn.Properties?.Environment?.Variables ?? {};
  const { outputs } = options;
  const region = /\.lambda-url\.([a-z0-9-]+)\.on\.aws/.exec(outputs.McpUrl ?? '')?.[1];

  const vars: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, value] of Object.entries(declared)) {
    const output = FROM_OUTPUT[name];
    if (typeof value === 'string') vars[name] = value;
    else if (output !== undefined && outputs[output] !== undefined) vars[name] = outputs[output];
    else if (name === 'ALLOWED_HOSTS' && region !== undefined)
      vars[name] = `*.lambda-url.${region}.on.aws`;
    else missing.push(output ? `${name} (output ${output})` : name);
  }
  if (missing.length > 0) {
    throw new Error(
      `No value for ${missing.join(', ')}: deploy with \`npx cdk deploy --outputs-file cdk-outputs.json\` and pass --outputs cdk-outputs.json`
    );
  }
  if (!options.keepAuth) {
    vars.AUTH_MODE = 'none';
    vars.ALLOWED_HOSTS = '*.on.aws';
  }
  return { [logicalId]: vars };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      template: { type: 'string', default: 'cdk.out/AgentforceMcpServer.template.json' },
      outputs: { type: 'string', default: 'cdk-outputs.json' },
      stack: { type: 'string' },
      out: { type: 'string', default: 'env.json' },
      'keep-auth': { type: 'boolean', default: false },
    },
  });
  const template = JSON.parse(readFileSync(values.template, 'utf8')) as Template;
  const byStack = JSON.parse(readFileSync(values.outputs, 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  const stack =
    values.stack ?? /([^/]+)\.template\.json$/.exec(values.template)?.[1] ?? 'AgentforceMcpServer';
  const outputs = byStack[stack];
  if (!outputs) throw new Error(`${values.outputs} has no outputs of stack ${stack}`);
  const doc = samEnvVars(template, { outputs, keepAuth: values['keep-auth'] });
  writeFileSync(values.out, `${JSON.stringify(doc, null, 2)}\n`);
  const [logicalId] = Object.keys(doc);
  process.stdout.write(
    `Wrote ${values.out}. Next:\n  sam local invoke -t ${values.template} ${logicalId} -e events/tools-list.json --env-vars ${values.out}\n`
  );
}

if (process.argv[1]?.endsWith('sam-env.ts')) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`sam:env failed: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
