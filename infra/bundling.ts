import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * The esbuild options of the function bundle, in esbuild's own API shape: the stack deploys them
 * (through {@link functionBundling}) and `bench/` builds with them, so both measure one bundle.
 */
export const FUNCTION_ESBUILD = {
  platform: 'node',
  format: 'esm',
  target: 'node24',
  mainFields: ['module', 'main'],
  // Some dependencies still call require(); ESM output needs one.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  // Whitespace and syntax only: identifiers stay readable, so a CloudWatch stack trace names the
  // function without `--enable-source-maps` (which costs import time, RSS and CPU on the first
  // rendered stack; see BENCHMARKS.md).
  minifyWhitespace: true,
  minifySyntax: true,
  // The map is written beside the bundle for offline decoding; nothing at run time reads it.
  sourcemap: 'external',
  sourcesContent: false,
} as const satisfies BuildOptions;

/** The same options as NodejsFunction `bundling` (which runs the esbuild CLI with them). */
export function functionBundling(): BundlingOptions {
  return {
    // Local esbuild only: this project never needs Docker.
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: FUNCTION_ESBUILD.target,
    mainFields: [...FUNCTION_ESBUILD.mainFields],
    banner: FUNCTION_ESBUILD.banner.js,
    minify: false,
    esbuildArgs: {
      '--minify-whitespace': FUNCTION_ESBUILD.minifyWhitespace,
      '--minify-syntax': FUNCTION_ESBUILD.minifySyntax,
    },
    sourceMap: true,
    sourceMapMode: SourceMapMode.EXTERNAL,
    sourcesContent: FUNCTION_ESBUILD.sourcesContent,
    // Ship the AWS SDK versions the tests ran against, not whatever the runtime carries.
    bundleAwsSDK: true,
  };
}
