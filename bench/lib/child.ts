import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Running the bundled CLI in a child process, as a user would, and reading
 * back what the child used: its peak RSS and its CPU time over all threads.
 */

/**
 * The repository root: the nearest folder above `from` with the project's package.json.
 * Searched for because the runner executes a bundled copy from node_modules/.cache.
 */
export function findRepositoryRoot(from: string): string {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'onnx-coreml-action') return dir;
  }
  throw new Error(`no onnx-coreml-action package.json above ${from}`);
}

/**
 * Loaded into the child with --import: writes the child's own peak RSS and CPU
 * time when it exits. VmHWM is read first because it belongs to the address
 * space made by exec; getrusage's maxRSS survives exec on Linux and would
 * include the parent's RSS at fork time (a parent may hold whole models in
 * memory). resourceUsage's CPU times cover every thread, workers included.
 */
const USAGE_PROBE = `import { readFileSync, writeFileSync } from 'node:fs';
function peakRssBytes() {
  try {
    const kb = /^VmHWM:\\s+(\\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (kb) return Number(kb[1]) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024;
}
process.on('exit', () => {
  const usage = process.resourceUsage();
  writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ peakRssBytes: peakRssBytes(), cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 }));
});
`;

export interface ChildRun {
  status: number | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
}

/** Runs `node script ...args` (in `cwd`, default this process's) with the usage probe; `scratch` is a folder for the probe's files. */
export function runMeasured(script: string, args: readonly string[], scratch: string, cwd?: string): ChildRun {
  const probe = join(scratch, 'usage-probe.mjs');
  const usageFile = join(scratch, 'usage.json');
  writeFileSync(probe, USAGE_PROBE);
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', probe, script, ...args], {
    encoding: 'utf8',
    ...(cwd === undefined ? {} : { cwd }),
    env: { ...process.env, BENCH_USAGE_FILE: usageFile },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { peakRssBytes: number; cpuSeconds: number };
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, wallSeconds, ...usage };
}
