import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CommandResult, runCommand } from './processes.js';

/** Pinned exactly: the suite changes what it checks between releases. */
export const CONFORMANCE_PACKAGE = '@modelcontextprotocol/conformance@0.1.16';
/**
 * The newest release on npm (a prerelease; `latest` is still 0.1.16, 2025 eras only): the first
 * with the 2026-07-28 requirement set (`--requirements 2026-07-28`).
 */
export const MODERN_CONFORMANCE_PACKAGE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';
/** 0.1.16 imports `fs.globSync`, a Node 22 API; npm's `node` package provides the binary. */
export const CONFORMANCE_NODE = 'node@22';

/**
 * Scenarios that must pass whatever the baseline says (reference §6 item 30, the brief), and three
 * that call fixture tools: a run against a server without them would fail here.
 */
export const REQUIRED_SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'dns-rebinding-protection',
  'tools-call-simple-text',
  'tools-call-error',
  // Live turns (issue 15): a call with a progressToken that accepts SSE hears its progress.
  'tools-call-with-progress',
] as const;

/**
 * Scenarios that call a fixture tool. Against a server without it (server A, or SDK v1) the tool
 * is missing, the answer is a tool error ("Tool … not found"), and the scenario's checks may
 * still be satisfied: a pass that proves nothing, flagged in the note.
 */
const VACUOUS_WHEN_TOOL_MISSING = new Set(['tools-call-simple-text', 'tools-call-error']);

interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | string;
  readonly errorMessage?: string;
  readonly details?: { result?: { content?: Array<{ text?: string }> } };
}

/** One scenario's outcome, judged like the suite judges a baseline. */
export interface ScenarioOutcome {
  readonly scenario: string;
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  /** `pass`, `expected-failure` (baselined), `UNEXPECTED-FAILURE`, or `STALE-BASELINE`. */
  readonly verdict: 'pass' | 'expected-failure' | 'UNEXPECTED-FAILURE' | 'STALE-BASELINE';
  /** Why a pass means little, or the first failure message. */
  readonly note: string;
}

/** The conformance run: the CLI's own exit code plus per-scenario outcomes read from `-o`. */
export interface ConformanceRun {
  readonly command: CommandResult;
  readonly outcomes: readonly ScenarioOutcome[];
  readonly baseline: readonly string[];
}

/**
 * Reads the `server:` list of an expected-failures file: scenario names, or `scenario:check-id`
 * for a single check (0.2 format; 0.1.16 files use scenario names only). Deliberately tiny: the
 * file is ours and holds nothing else but comments.
 */
export function readBaseline(path: string): string[] {
  const names: string[] = [];
  let inServer = false;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/#.*$/, '').trimEnd();
    if (line.trim() === '') continue;
    if (/^\S/.test(line)) {
      inServer = line.startsWith('server:');
      continue;
    }
    const item = /^\s+-\s+([A-Za-z0-9_./:-]+)\s*$/.exec(line);
    if (inServer && item?.[1]) names.push(item[1]);
  }
  return names;
}

/** `server-tools-list-2026-11-21T08-41-13-169Z` -> `tools-list`. */
function scenarioOf(directory: string): string {
  return directory.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
}

function judge(
  scenario: string,
  checks: readonly Check[],
  baseline: readonly string[]
): ScenarioOutcome {
  const count = (status: string) => checks.filter((check) => check.status === status).length;
  const failed = count('FAILURE');
  const warnings = count('WARNING');
  // The suite counts a WARNING as a failure when it compares with a baseline.
  const problems = checks.filter(
    (check) => check.status === 'FAILURE' || check.status === 'WARNING'
  );
  const whole = baseline.includes(scenario);
  const listedChecks = baseline.filter((entry) => entry.startsWith(`${scenario}:`));
  const unexpected = problems.filter(
    (check) => !whole && !listedChecks.includes(`${scenario}:${check.id}`)
  );
  // A listed check that no longer fails is stale, like a listed scenario that passes.
  const stale =
    (whole && problems.length === 0) ||
    listedChecks.some((entry) => !problems.some((check) => `${scenario}:${check.id}` === entry));
  const toolText = checks[0]?.details?.result?.content?.[0]?.text ?? '';
  const vacuous = VACUOUS_WHEN_TOOL_MISSING.has(scenario) && /not found/i.test(toolText);
  let verdict: ScenarioOutcome['verdict'];
  if (unexpected.length > 0) verdict = 'UNEXPECTED-FAILURE';
  else if (stale) verdict = 'STALE-BASELINE';
  else verdict = problems.length > 0 ? 'expected-failure' : 'pass';
  const first = unexpected[0] ?? problems[0];
  const note = first
    ? `${first.id}: ${first.errorMessage ?? first.status}`
    : vacuous
      ? `vacuous: fixture tool absent, passed on "${toolText}"`
      : '';
  return { scenario, passed: count('SUCCESS'), failed, warnings, verdict, note };
}

/**
 * Runs every server scenario (`--suite all`, pending ones included) against `url` with the
 * baseline, on Node 22 via npx, and reads each scenario's checks.json.
 */
export async function runConformance(options: {
  url: string;
  baselinePath: string;
  outDir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Default: 0.1.16 with `--suite all` (2025 eras). */
  suite?: { readonly pkg: string; readonly select: readonly string[] };
}): Promise<ConformanceRun> {
  const suite = options.suite ?? { pkg: CONFORMANCE_PACKAGE, select: ['--suite', 'all'] };
  const command = await runCommand(
    'npx',
    [
      '-y',
      '-p',
      CONFORMANCE_NODE,
      '-p',
      suite.pkg,
      '--',
      'conformance',
      'server',
      '--url',
      options.url,
      ...suite.select,
      '--expected-failures',
      options.baselinePath,
      '-o',
      options.outDir,
    ],
    { cwd: options.cwd, env: options.env, timeoutMs: 180_000 }
  );
  const baseline = readBaseline(options.baselinePath);
  const outcomes: ScenarioOutcome[] = [];
  let directories: string[] = [];
  try {
    directories = readdirSync(options.outDir).filter((name) => name.startsWith('server-'));
  } catch {
    // No results at all: reported through the command's exit code and the required scenarios.
  }
  // Directory names end in the scenario's start time: sorting on it restores the suite's order.
  const startedAt = (name: string) => /\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(name)?.[0] ?? name;
  directories.sort((a, b) => startedAt(a).localeCompare(startedAt(b)));
  for (const directory of directories) {
    const scenario = scenarioOf(directory);
    let checks: Check[];
    try {
      checks = JSON.parse(readFileSync(join(options.outDir, directory, 'checks.json'), 'utf8'));
    } catch {
      checks = [{ id: scenario, status: 'FAILURE', errorMessage: 'no readable checks.json' }];
    }
    outcomes.push(judge(scenario, checks, baseline));
  }
  return { command, outcomes, baseline };
}
