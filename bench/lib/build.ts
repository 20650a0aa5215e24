import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { FUNCTION_ESBUILD } from '../../infra/bundling.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Git-ignored (`bench/results/`): bundles, metafiles and the raw JSON of the last run. */
export const RESULTS_DIR = join(REPO_ROOT, 'bench/results');
export const BUILD_DIR = join(RESULTS_DIR, 'build');
/** The Lambda runtime's Node major, from the bundle target the stack deploys (`node24`). */
export const DEPLOYED_NODE_MAJOR = FUNCTION_ESBUILD.target.replace('node', '');

/** Bytes of the bundle attributed to one package (or a first-party folder). */
export interface Contribution {
  readonly name: string;
  readonly bytes: number;
}

export interface BuiltBundle {
  readonly id: string;
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
  /** Largest contributors, biggest first. */
  readonly contributions: readonly Contribution[];
}

/** Groups a metafile input path: `zod (v4/core)`, `@smithy/core`, `lambda/agentforce`, … */
function groupOf(path: string): string {
  const parts = path.split('node_modules/');
  const last = parts.at(-1) as string;
  if (parts.length === 1) return last.split('/').slice(0, 2).join('/');
  const segments = last.split('/');
  const name = last.startsWith('@') ? segments.slice(0, 2).join('/') : (segments[0] as string);
  if (name !== 'zod') return name;
  return `zod (${/^zod\/(v4\/locales|v4\/core|v4\/classic|v4\/mini|v3)\//.exec(last)?.[1] ?? 'other'})`;
}

function contributionsOf(metafile: esbuild.Metafile): Contribution[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      totals.set(groupOf(path), (totals.get(groupOf(path)) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * Builds `entry` with the options the stack deploys (`infra/bundling.ts`), or those with
 * `overrides` on top (a before/after comparison).
 */
export async function buildBundle(options: {
  /** A file, or inline module source (resolved from the repository root). */
  entry: string | { readonly contents: string };
  id: string;
  overrides?: esbuild.BuildOptions;
}): Promise<BuiltBundle> {
  const outDir = join(BUILD_DIR, options.id);
  const file = join(outDir, 'index.mjs');
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    ...FUNCTION_ESBUILD,
    absWorkingDir: REPO_ROOT,
    bundle: true,
    outfile: file,
    metafile: true,
    logLevel: 'error',
    ...(typeof options.entry === 'string'
      ? { entryPoints: [options.entry] }
      : { stdin: { contents: options.entry.contents, resolveDir: REPO_ROOT, loader: 'ts' } }),
    ...options.overrides,
  });
  const code = readFileSync(file);
  let mapBytes = 0;
  try {
    mapBytes = statSync(`${file}.map`).size;
  } catch {
    // no map for this build
  }
  return {
    id: options.id,
    file,
    bytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    mapBytes,
    contributions: contributionsOf(result.metafile as esbuild.Metafile),
  };
}

/**
 * Bundles a benchmark child script (plain `node` runs it, so no tsx loader is in the figures).
 * Children import the measured bundles at run time by path; only helpers are bundled in.
 */
export async function buildChild(entry: string): Promise<string> {
  const outfile = join(BUILD_DIR, 'children', entry.replace(/^.*\//, '').replace(/\.ts$/, '.mjs'));
  await esbuild.build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}
