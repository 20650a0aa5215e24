import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Environment, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseStackConfig, type SettingKey } from '../../infra/config.js';
import { McpServerStack } from '../../infra/mcp-server-stack.js';

/** The smallest valid settings: everything else takes its default. */
export const REQUIRED_SETTINGS = {
  agentId: '0XxKZ000000abcdEFG',
  myDomainUrl: 'https://acme.my.salesforce.com',
} as const;

export const JWT_SETTINGS = {
  authMode: 'jwt',
  jwtIssuer: 'https://login.example.com/oauth2/default',
  jwtJwksUrl: 'https://login.example.com/oauth2/default/v1/keys',
  jwtAudience: 'api://agentforce-mcp',
  jwtRequiredScope: 'mcp.invoke',
} as const;

/** The repository's cdk.json context (feature flags), so tests synthesize what the CLI does. */
const CDK_JSON_CONTEXT = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')
).context as Record<string, unknown>;

const outdirs: string[] = [];

/** Removes the cloud assemblies written by {@link synth}; call from `afterAll`. */
export function removeSynthOutputs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Builds the stack from raw settings (as context would give them) in a fresh app, without
 * synthesizing. Bundling is skipped (34 ms instead of ~1 s per stack); the CLI test covers the
 * real esbuild run. With `nag`, the AwsSolutions checks run on synthesis as in `infra/app.ts`.
 */
export function build(
  settings: Partial<Record<SettingKey, unknown>> = {},
  options: { nag?: boolean; env?: Environment } = {}
): { app: App; stack: McpServerStack } {
  const outdir = mkdtempSync(join(tmpdir(), 'mcp-infra-test-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new McpServerStack(app, 'McpTest', {
    config: parseStackConfig({ ...REQUIRED_SETTINGS, ...settings }),
    ...(options.env ? { env: options.env } : {}),
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

/** {@link build}, then the synthesized template. */
export function synth(
  settings: Partial<Record<SettingKey, unknown>> = {},
  options: { env?: Environment } = {}
): { app: App; stack: McpServerStack; template: Template } {
  const built = build(settings, options);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** Every resource of a type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

export interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** The single resource of a type; fails when there is not exactly one. */
export function onlyResource(template: Template, type: string): [string, Resource] {
  const entries = Object.entries(resourcesOf(template, type));
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  return entries[0] as [string, Resource];
}

/** The function's environment variables. */
export function functionEnvironment(template: Template): Record<string, unknown> {
  const [, fn] = onlyResource(template, 'AWS::Lambda::Function');
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/**
 * Resolves a template value made of literals, `Fn::Join` and the given `Ref`/`Fn::GetAtt`
 * stand-ins into a string, to check what an output will read once deployed.
 */
export function render(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => render(part, refs)).join(separator);
    }
    const ref = 'Ref' in node ? String(node.Ref) : undefined;
    const att = 'Fn::GetAtt' in node ? (node['Fn::GetAtt'] as string[]).join('.') : undefined;
    const name = ref ?? att;
    if (name !== undefined) {
      const found = Object.entries(refs).find(([prefix]) => name.startsWith(prefix));
      if (found) return found[1];
      throw new Error(`no stand-in for ${name}`);
    }
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}
