import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Lambda gives a function one full vCPU at 1769 MB and CPU in proportion to memory below that. */
export const FULL_VCPU_MB = 1769;
const PERIOD_US = 100_000;

/** A CPU-limited cgroup that children can be started in (`runChild({ cgroupProcs })`). */
export interface CpuQuota {
  /** The file a process writes its pid to in order to join. */
  readonly procs: string;
  remove(): void;
}

/** Where CPU cgroups can be made here: v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us`), else why not. */
export function cpuCgroupSupport(): { kind: 'v1' | 'v2'; root: string } | { skip: string } {
  const v2 = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'].find((root) => {
    try {
      return readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')
        .split(/\s+/)
        .includes('cpu');
    } catch {
      return false;
    }
  });
  if (v2) return probe('v2', v2);
  if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) return probe('v1', '/sys/fs/cgroup/cpu');
  return { skip: 'no CPU cgroup controller is mounted (neither cgroup v2 with cpu nor v1 cpu)' };
}

function probe(kind: 'v1' | 'v2', root: string) {
  const dir = join(root, `agentforce-bench-probe-${process.pid}`);
  try {
    mkdirSync(dir);
    rmdirSync(dir);
    return { kind, root };
  } catch (err) {
    return { skip: `cgroup ${kind} at ${root} is not writable here (${(err as Error).message})` };
  }
}

/** A cgroup limited to `memoryMb / 1769` of one core, as Lambda shares CPU. */
export function createCpuQuota(
  support: { kind: 'v1' | 'v2'; root: string },
  memoryMb: number
): CpuQuota {
  const dir = join(support.root, `agentforce-bench-${process.pid}-${memoryMb}`);
  mkdirSync(dir, { recursive: true });
  const quotaUs = Math.round((PERIOD_US * Math.min(memoryMb, FULL_VCPU_MB)) / FULL_VCPU_MB);
  if (support.kind === 'v2') {
    writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
  } else {
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
  }
  return { procs: join(dir, 'cgroup.procs'), remove: () => rmdirSync(dir) };
}
