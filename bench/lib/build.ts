import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Git-ignored (`bench/results/`): bundles, metafiles and the raw JSON of the last run. */
export const RESULTS_DIR = join(REPO_ROOT, 'bench/results');
export const BUILD_DIR = join(RESULTS_DIR, 'build');

const STACK_FILE = 'infra/mcp-server-stack.ts';
const STACK_CONFIG_FILE = 'infra/config.ts';

/** The NodejsFunction settings that shape the bundle and its start, as read from the stack. */
export interface StackBundling {
  readonly runtime: string;
  readonly architecture: string;
  readonly defaultMemoryMb: number;
  readonly format: 'esm' | 'cjs';
  readonly target: string;
  readonly minify: boolean;
  readonly sourceMap: boolean;
  readonly sourcesContent: boolean;
  readonly mainFields: readonly string[];
  readonly banner?: string;
  readonly bundleAwsSdk: boolean;
  readonly externalModules?: readonly string[];
  /** `--alias:x=y` entries of `esbuildArgs`. */
  readonly alias: Readonly<Record<string, string>>;
  /** `NODE_OPTIONS` from the function's environment, e.g. `--enable-source-maps`. */
  readonly nodeOptions: string;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new Error(
      `bench: could not read ${what} from ${STACK_FILE}; update readStackBundling() in bench/lib/build.ts`
    );
  }
  return value;
}

/** NodejsFunction bundling options the benchmark reproduces; any other one stops the bench. */
const MIRRORED_BUNDLING_KEYS = new Set([
  'forceDockerBundling',
  'format',
  'target',
  'mainFields',
  'banner',
  'minify',
  'sourceMap',
  'sourcesContent',
  'bundleAwsSDK',
  'externalModules',
  'esbuildArgs',
]);

const flag = (source: string, name: string): boolean | undefined => {
  const match = new RegExp(`\\b${name}:\\s*(true|false)\\b`).exec(source);
  return match ? match[1] === 'true' : undefined;
};

/** The `{ … }` literal that follows `key` in `source` (brace-matched; strings and line comments skipped). */
function objectAfter(source: string, key: string): string | undefined {
  const start = source.indexOf('{', source.indexOf(key));
  if (source.indexOf(key) < 0 || start < 0) return undefined;
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < source.length; i++) {
    const char = source[i] as string;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '/' && source[i + 1] === '/') {
      i = source.indexOf('\n', i);
      if (i < 0) return undefined;
    } else if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return source.slice(start + 1, i);
  }
  return undefined;
}

const stringList = (text: string): string[] =>
  [...text.matchAll(/(['"`])(.*?)\1/g)].map((match) => match[2] as string);

/**
 * Reads the bundling options from the CDK stack's source, so the benchmark builds exactly what
 * `cdk deploy` ships (NodejsFunction runs `esbuild --bundle entry --target --platform=node
 * --format --minify --sourcemap --sources-content=false --banner:js --main-fields …`).
 */
export function readStackBundling(): StackBundling {
  const source = readFileSync(join(REPO_ROOT, STACK_FILE), 'utf8');
  const config = readFileSync(join(REPO_ROOT, STACK_CONFIG_FILE), 'utf8');
  const bundling = must(objectAfter(source, 'bundling:'), 'the bundling block');
  const banner = /banner:\s*(["'`])([\s\S]*?)\1,/.exec(bundling)?.[2];
  const mainFields = /mainFields:\s*\[([^\]]*)\]/.exec(bundling)?.[1];
  const externals = /externalModules:\s*\[([^\]]*)\]/.exec(bundling)?.[1];
  const esbuildArgs = objectAfter(bundling, 'esbuildArgs:') ?? '';
  const alias: Record<string, string> = {};
  // `'--alias:ajv': 'infra/x.ts'` or `'--alias:ajv': repoPath('infra/x.ts')`.
  const aliasArg = /['"]--alias:([^'"=]+)['"]\s*:\s*(repoPath\()?\s*['"]([^'"]+)['"]/g;
  for (const match of esbuildArgs.matchAll(aliasArg)) {
    const target = match[3] as string;
    alias[match[1] as string] = match[2] ? join(REPO_ROOT, target) : target;
  }
  const format = must(/format:\s*OutputFormat\.(ESM|CJS)/.exec(bundling)?.[1], 'format');
  const unknown = [...bundling.matchAll(/^\s*([A-Za-z]+):/gm)]
    .map((match) => match[1] as string)
    .filter((key) => !MIRRORED_BUNDLING_KEYS.has(key));
  if (unknown.length > 0) {
    throw new Error(
      `bench: ${STACK_FILE} uses bundling option(s) ${unknown.join(', ')} that bench/lib/build.ts does not mirror yet`
    );
  }
  return {
    runtime: must(/runtime:\s*lambda\.Runtime\.(\w+)/.exec(source)?.[1], 'runtime'),
    architecture: must(/Architecture\.(\w+)/.exec(source)?.[1], 'architecture'),
    defaultMemoryMb: Number(
      must(/memorySize:\s*int\([^)]*\)\.default\((\d+)\)/.exec(config)?.[1], 'memorySize default')
    ),
    format: format === 'ESM' ? 'esm' : 'cjs',
    target: must(/target:\s*'([^']+)'/.exec(bundling)?.[1], 'target'),
    minify: flag(bundling, 'minify') ?? false,
    sourceMap: flag(bundling, 'sourceMap') ?? false,
    sourcesContent: flag(bundling, 'sourcesContent') ?? true,
    mainFields: mainFields ? stringList(mainFields) : [],
    ...(banner ? { banner } : {}),
    bundleAwsSdk: flag(bundling, 'bundleAwsSDK') ?? false,
    ...(externals ? { externalModules: stringList(externals) } : {}),
    alias,
    nodeOptions: /NODE_OPTIONS:\s*'([^']*)'/.exec(source)?.[1] ?? '',
  };
}

/** The esbuild options NodejsFunction derives from the stack's settings (CLI flags → JS API). */
export function productionOptions(
  stack: StackBundling,
  entry: string,
  outfile: string
): esbuild.BuildOptions {
  const externals = stack.externalModules ?? (stack.bundleAwsSdk ? [] : ['@aws-sdk/*']);
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    bundle: true,
    target: stack.target,
    platform: 'node',
    format: stack.format,
    outfile,
    minify: stack.minify,
    sourcemap: stack.sourceMap,
    sourcesContent: stack.sourcesContent,
    external: [...externals],
    alias: { ...stack.alias },
    ...(stack.banner ? { banner: { js: stack.banner } } : {}),
    ...(stack.mainFields.length > 0 ? { mainFields: [...stack.mainFields] } : {}),
    metafile: true,
    logLevel: 'error',
  };
}

/** One way of bundling the handler; variants are cumulative, each on top of the previous. */
export interface BundleVariant {
  readonly id: string;
  /** What this step changes, for the report. */
  readonly label: string;
  /** `esbuild`: bundling options only (infra/); `source`: a code change (lambda/), simulated. */
  readonly kind: 'as deployed' | 'esbuild option' | 'source change';
  readonly alias?: Readonly<Record<string, string>>;
  /** Rewrites `import { z } from 'zod'` to `import * as z from 'zod'` in lambda/ while bundling. */
  readonly zodNamespaceImports?: boolean;
}

const stub = (name: string) => join(REPO_ROOT, 'bench/stubs', name);

/**
 * Further cuts measured, cumulatively, against the production bundle. They alias library internals
 * to stubs; they are measured and reported but not applied to the deployed bundle (see
 * BENCHMARKS.md, "Declined cuts"). The source-level cut (`import * as z from 'zod'`) is applied
 * in lambda/ and enforced by a Biome rule.
 */
export const VARIANTS: readonly BundleVariant[] = [
  { id: 'production', label: 'production (CDK options)', kind: 'as deployed' },
  {
    id: 'no-ajv',
    label: '+ alias ajv, ajv-formats → stubs (declined)',
    kind: 'esbuild option',
    alias: { ajv: stub('ajv.ts'), 'ajv-formats': stub('ajv-formats.ts') },
  },
  {
    id: 'env-credentials',
    label: '+ alias credential-provider-node → fromEnv (declined)',
    kind: 'esbuild option',
    alias: { '@aws-sdk/credential-provider-node': stub('credential-provider-node.ts') },
  },
  {
    id: 'no-zod-v3',
    label: '+ alias zod/v3, zod-to-json-schema → stubs (declined)',
    kind: 'esbuild option',
    alias: { 'zod/v3': stub('zod-v3.ts'), 'zod-to-json-schema': stub('zod-to-json-schema.ts') },
  },
];

const NAMED_Z_IMPORT = /import \{ z \} from 'zod';/g;

/** Simulates the lambda/ change "import zod as a namespace" without touching the files. */
function zodNamespacePlugin(rewritten: Set<string>): esbuild.Plugin {
  const lambdaDir = join(REPO_ROOT, 'lambda');
  return {
    name: 'bench-zod-namespace-imports',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!args.path.startsWith(lambdaDir)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!NAMED_Z_IMPORT.test(source)) return undefined;
        rewritten.add(relative(REPO_ROOT, args.path));
        return {
          contents: source.replace(NAMED_Z_IMPORT, "import * as z from 'zod';"),
          loader: 'ts',
        };
      });
    },
  };
}

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
  /** lambda/ files the zod-namespace rewrite changed (0: already applied in the source). */
  readonly rewrittenFiles: number;
}

/** Groups a metafile input path: `zod (v4/locales)`, `@smithy/core`, `lambda/agentforce`, … */
function groupOf(path: string): string {
  const parts = path.split('node_modules/');
  const last = parts.at(-1) as string;
  if (parts.length === 1) return last.split('/').slice(0, 2).join('/');
  const segments = last.split('/');
  const name = last.startsWith('@') ? segments.slice(0, 2).join('/') : (segments[0] as string);
  if (name === 'zod') {
    const part = /^zod\/(v4\/locales|v4\/core|v4\/classic|v4\/mini|v3)\//.exec(last)?.[1];
    return `zod (${part ?? 'other'})`;
  }
  return name;
}

function contributionsOf(metafile: esbuild.Metafile, outfile: string): Contribution[] {
  const output = Object.entries(metafile.outputs).find(([path]) =>
    resolve(REPO_ROOT, path).endsWith(outfile)
  )?.[1];
  const totals = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const group = groupOf(path);
    totals.set(group, (totals.get(group) ?? 0) + input.bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Builds `entry` like the stack does, plus the cumulative cuts up to and including `upTo`. */
export async function buildBundle(options: {
  stack: StackBundling;
  /** A file, or inline module source (resolved from the repository root). */
  entry: string | { readonly contents: string };
  outDir: string;
  variants?: readonly BundleVariant[];
  id: string;
}): Promise<BuiltBundle> {
  const outfile = join(options.outDir, options.stack.format === 'esm' ? 'index.mjs' : 'index.js');
  mkdirSync(options.outDir, { recursive: true });
  const inline = typeof options.entry === 'string' ? undefined : options.entry.contents;
  const { entryPoints, ...base } = productionOptions(
    options.stack,
    typeof options.entry === 'string' ? options.entry : 'stdin.ts',
    outfile
  );
  const alias: Record<string, string> = { ...base.alias };
  let zodNamespace = false;
  for (const variant of options.variants ?? []) {
    Object.assign(alias, variant.alias ?? {});
    zodNamespace ||= variant.zodNamespaceImports === true;
  }
  const rewritten = new Set<string>();
  const result = await esbuild.build({
    ...base,
    ...(inline === undefined
      ? { entryPoints }
      : { stdin: { contents: inline, resolveDir: REPO_ROOT, loader: 'ts' as const } }),
    alias,
    plugins: zodNamespace ? [zodNamespacePlugin(rewritten)] : [],
  });
  const code = readFileSync(outfile);
  const map = `${outfile}.map`;
  return {
    id: options.id,
    file: outfile,
    bytes: code.byteLength,
    gzipBytes: gzipSync(code, { level: 9 }).byteLength,
    mapBytes: options.stack.sourceMap ? statSync(map).size : 0,
    contributions: contributionsOf(result.metafile as esbuild.Metafile, outfile),
    rewrittenFiles: rewritten.size,
  };
}

/**
 * Bundles a benchmark child script (plain `node` runs it, so no tsx loader is in the figures).
 * Children import the measured bundles at run time by path; only helpers are bundled in.
 */
export async function buildChild(entry: string, outfile: string): Promise<string> {
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
