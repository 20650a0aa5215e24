import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Node } from 'constructs';
import {
  DEFAULT_STACK_NAME,
  loadStackConfig,
  readSettings,
  type SettingKey,
  type StackConfig,
} from './config.js';
import { StackConfigError } from './errors.js';

/** Environment variable naming the folder of the persisted settings (default `deployments/`). */
export const DEPLOYMENTS_DIR_ENV = 'MCP_DEPLOYMENTS_DIR';

/** Settings that apply to one run only and are never persisted. */
const ONE_SHOT: readonly SettingKey[] = ['allowAuthModeChange'];

type RawSettings = Partial<Record<SettingKey, unknown>>;

/** The file that keeps the settings of stack `stackName`. */
export function settingsFile(dir: string, stackName: string): string {
  return join(dir, `${stackName}.json`);
}

function readSaved(file: string): RawSettings {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as RawSettings;
  } catch {
    // Reported below.
  }
  throw new StackConfigError([
    { key: 'settings', message: `${file} is not a JSON object; fix or delete it` },
  ]);
}

/**
 * Loads the settings of one deployment: the context and `MCP_*` variables of this run over the
 * settings persisted by earlier runs in `<dir>/<stackName>.json`, so a later plain `cdk deploy`
 * keeps what the operator chose. Refuses to switch the auth mode of a deployment unless
 * `allowAuthModeChange=true` is given, and warns of a Cognito domain prefix change, which
 * CloudFormation cannot apply on its own. `save()` writes the merged settings back; call it once the
 * stack was built, so settings that fail later checks are not kept.
 *
 * @throws StackConfigError on invalid settings or an unconfirmed auth mode change
 * @example
 * const deployment = loadDeployment(app.node, process.env, 'deployments');
 * new McpServerStack(app, deployment.config.stackName, { config: deployment.config });
 * deployment.save();
 */
export function loadDeployment(
  node: Node,
  env: Readonly<Record<string, string | undefined>>,
  dir: string
): { config: StackConfig; file: string; warnings: string[]; save(): void } {
  const given = readSettings(node, env);
  const stackName = String(given.stackName ?? DEFAULT_STACK_NAME).trim();
  const file = settingsFile(dir, stackName);
  const saved = readSaved(file);
  const config = loadStackConfig(node, env, saved);

  const previous = saved.authMode;
  if (previous !== undefined && previous !== config.authMode && !config.allowAuthModeChange) {
    throw new StackConfigError([
      {
        key: 'authMode',
        message: `${stackName} was deployed with authMode=${String(previous)} (${file}); switching to ${config.authMode} replaces how every client authenticates. Add -c allowAuthModeChange=true to confirm.`,
      },
    ]);
  }

  const warnings: string[] = [];
  const savedPrefix = saved.cognitoDomainPrefix;
  if (
    Object.keys(saved).length > 0 &&
    config.authMode === 'cognito' &&
    previous === 'cognito' &&
    savedPrefix !== config.cognitoDomainPrefix
  ) {
    // CloudFormation creates the new domain before deleting the old; a pool has one prefix domain.
    warnings.push(
      `cognitoDomainPrefix changes from ${savedPrefix ?? 'the default'} to ${config.cognitoDomainPrefix ?? 'the default'}: the update fails ("User pool already has a domain configured") unless the old domain is deleted first (aws cognito-idp delete-user-pool-domain --user-pool-id <UserPoolId> --domain <old prefix>). TokenUrl changes too.`
    );
  }

  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...saved, ...definedOnly(given) })) {
    if (!ONE_SHOT.includes(key as SettingKey)) merged[key] = value;
  }
  // Kept even when it was the default: a later default must not change a running deployment.
  merged.authMode = config.authMode;
  const save = () => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(sortKeys(merged), null, 2)}\n`);
  };
  return { config, file, warnings, save };
}

const definedOnly = (raw: RawSettings) =>
  Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));

const sortKeys = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
