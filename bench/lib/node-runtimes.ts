import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A Node binary the cold-start children can run on. */
export interface NodeRuntime {
  readonly label: string;
  readonly path: string;
}

export const CURRENT_NODE: NodeRuntime = {
  label: `Node ${process.versions.node}`,
  path: process.execPath,
};

/**
 * Finds the binary of an npm-published Node (`npx -y -p node@X`, cached by npx after the first
 * download), so the children run on the Lambda runtime's major without installing anything in the
 * project. `undefined` when the registry or the cache cannot provide it.
 */
export async function npmNode(version: string): Promise<NodeRuntime | undefined> {
  try {
    const { stdout } = await run(
      'npx',
      [
        '-y',
        '-p',
        `node@${version}`,
        '--',
        'node',
        '-p',
        'process.execPath + " " + process.version',
      ],
      { timeout: 180_000, env: { ...process.env, npm_config_loglevel: 'error' } }
    );
    const [path, reported] = stdout.trim().split('\n').at(-1)?.split(' ') ?? [];
    if (!path || !reported) return undefined;
    return { label: `Node ${reported.replace(/^v/, '')}`, path };
  } catch {
    return undefined;
  }
}
