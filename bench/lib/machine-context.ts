import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** Machine, software versions and load of a benchmark run, recorded beside every figure. */
export interface MachineContext {
  cpuModel: string;
  /** `nproc`: CPUs available to the bench process. */
  cpuCount: number;
  totalMemoryMb: number;
  kernel: string;
  nodeVersion: string;
  /** Installed versions read from node_modules/<name>/package.json. */
  packages: Record<string, string>;
  /** `git rev-parse --short HEAD`, with "+ uncommitted changes" when the tree is dirty. */
  commit: string;
  startedAt: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverageAtStart: number[];
}

const keyPackages = [
  '@duckdb/node-api',
  '@duckdb/node-bindings',
  'tsx',
  'zod',
  'pino',
  'fastify',
  'typescript',
];

export function collectMachineContext(repositoryRoot: string): MachineContext {
  return {
    cpuModel: readCpuModel(),
    cpuCount: readCpuCount(),
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    kernel: `${os.type()} ${os.release()}`,
    nodeVersion: process.version,
    packages: readPackageVersions(repositoryRoot),
    commit: readGitCommit(repositoryRoot),
    startedAt: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
  };
}

function readCpuModel(): string {
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1];
    return model?.trim() ?? 'unknown (no "model name" in /proc/cpuinfo)';
  } catch (error) {
    return `unknown (/proc/cpuinfo unreadable: ${(error as Error).message})`;
  }
}

function readCpuCount(): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return os.availableParallelism();
  }
}

function readPackageVersions(repositoryRoot: string): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const name of keyPackages) {
    try {
      const manifest = readFileSync(
        join(repositoryRoot, 'node_modules', name, 'package.json'),
        'utf8',
      );
      versions[name] = String((JSON.parse(manifest) as { version?: unknown }).version);
    } catch {
      versions[name] = 'not installed';
    }
  }
  return versions;
}

function readGitCommit(repositoryRoot: string): string {
  try {
    const git = (args: string[]) =>
      execFileSync('git', args, { cwd: repositoryRoot, encoding: 'utf8' }).trim();
    const commit = git(['rev-parse', '--short', 'HEAD']);
    return git(['status', '--porcelain']) === '' ? commit : `${commit} + uncommitted changes`;
  } catch (error) {
    return `unknown (git failed: ${(error as Error).message.split('\n')[0]})`;
  }
}
