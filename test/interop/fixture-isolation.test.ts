import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FIXTURE_TOOL_NAMES } from './conformance-fixtures.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Bundles `entry` as the stack does (ESM, Node 24, everything inlined) and lists what went in. */
async function bundle(entry: string) {
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return {
    inputs: Object.keys(result.metafile.inputs),
    text: result.outputFiles.map((file) => file.text).join('\n'),
  };
}

describe('Bundle: lambda/handler.ts', () => {
  it('contains no conformance fixture code', async () => {
    // Act
    const lambda = await bundle('lambda/handler.ts');

    // Assess: nothing from test/ went in, and no fixture tool name appears anywhere.
    expect(lambda.inputs.filter((input) => input.startsWith('test/'))).toEqual([]);
    expect(FIXTURE_TOOL_NAMES.filter((name) => lambda.text.includes(name))).toEqual([]);
  });

  it('detects fixture code where it is bundled (the check above can fail)', async () => {
    // Act
    const fixtures = await bundle('test/interop/conformance-fixtures.ts');

    // Assess
    expect(fixtures.inputs).toContain('test/interop/conformance-fixtures.ts');
    expect(FIXTURE_TOOL_NAMES.filter((name) => !fixtures.text.includes(name))).toEqual([]);
  });
});
