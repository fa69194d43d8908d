import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WorkerPool, runPool, type PoolTask } from '../../src/parallel/pool.js';
import type { WorkerRequest } from '../../src/parallel/protocol.js';

/**
 * The pool's side of the protocol, with workers written inline: each task's
 * input says what its worker does (answer after a delay, report progress,
 * throw, run out of memory, exit without answering), and a shared counter
 * records how many workers ran at once.
 */

type Behaviour = { kind: 'answer'; value: number; delayMs: number } | { kind: 'progress'; lines: string[] } | { kind: 'throw' } | { kind: 'oom' } | { kind: 'exit' };
interface Input {
  behaviour: Behaviour;
  gauge: SharedArrayBuffer;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { input } = workerData.request;
const gauge = new Int32Array(input.gauge);
const now = Atomics.add(gauge, 0, 1) + 1;
for (let seen = Atomics.load(gauge, 1); now > seen; seen = Atomics.load(gauge, 1)) Atomics.compareExchange(gauge, 1, seen, now);
const leave = () => Atomics.sub(gauge, 0, 1);
const b = input.behaviour;
if (b.kind === 'answer') setTimeout(() => { leave(); parentPort.postMessage({ type: 'result', value: b.value }); }, b.delayMs);
else if (b.kind === 'progress') { for (const message of b.lines) parentPort.postMessage({ type: 'progress', message }); leave(); parentPort.postMessage({ type: 'result', value: b.lines.length }); }
else if (b.kind === 'throw') { leave(); throw new Error('boom in the task'); }
else if (b.kind === 'oom') { leave(); const keep = []; for (;;) keep.push(new Array(1e6).fill({ leak: keep.length })); }
else { leave(); process.exit(3); }
`;

function spawn(_script: URL, request: WorkerRequest<Input>): Worker {
  const oom = request.input.behaviour.kind === 'oom';
  return new Worker(WORKER_SOURCE, { eval: true, workerData: { request }, ...(oom ? { resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } } : {}) });
}

function tasks(behaviours: Behaviour[], bytes = 1): { list: PoolTask<Input>[]; peak: () => number } {
  const gauge = new SharedArrayBuffer(8);
  return { list: behaviours.map((behaviour) => ({ input: { behaviour, gauge }, bytes })), peak: () => new Int32Array(gauge)[1]! };
}

const base = { handler: 'test', script: new URL('file:///unused.js'), spawn };

describe('runPool', () => {
  it('returns outcomes in task order whatever order the workers finish in', async () => {
    const delays = [60, 5, 30, 1, 45];
    const { list } = tasks(delays.map((delayMs, value) => ({ kind: 'answer', value, delayMs })));
    const outcomes = await runPool<Input, number>(list, { ...base, jobs: 5, memoryBudgetBytes: 100 });
    expect(outcomes).toEqual(delays.map((_, value) => ({ ok: true, value })));
  });

  it('never runs more workers than jobs', async () => {
    const { list, peak } = tasks(Array.from({ length: 6 }, (_, value) => ({ kind: 'answer', value, delayMs: 40 })));
    await runPool<Input, number>(list, { ...base, jobs: 2, memoryBudgetBytes: 100 });
    expect(peak()).toBe(2);
  });

  it('does not start a worker that would take the running tasks past the memory budget, but always runs one', async () => {
    const limited = tasks(Array.from({ length: 4 }, (_, value) => ({ kind: 'answer', value, delayMs: 40 })), 60);
    const outcomes = await runPool<Input, number>(limited.list, { ...base, jobs: 4, memoryBudgetBytes: 100 });
    expect(limited.peak()).toBe(1);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const roomy = tasks(Array.from({ length: 4 }, (_, value) => ({ kind: 'answer', value, delayMs: 40 })), 40);
    await runPool<Input, number>(roomy.list, { ...base, jobs: 4, memoryBudgetBytes: 100 });
    expect(roomy.peak()).toBe(2);
  });

  it('fails only the task whose worker crashed, ran out of memory or exited without answering', async () => {
    const { list } = tasks([
      { kind: 'throw' }, { kind: 'answer', value: 7, delayMs: 1 }, { kind: 'oom' }, { kind: 'exit' },
    ]);
    const outcomes = await runPool<Input, number>(list, { ...base, jobs: 2, memoryBudgetBytes: 100 });
    expect(outcomes[0]).toEqual({ ok: false, reason: expect.stringContaining('boom in the task') });
    expect(outcomes[1]).toEqual({ ok: true, value: 7 });
    expect(outcomes[2]).toEqual({ ok: false, reason: 'the worker ran out of memory' });
    expect(outcomes[3]).toEqual({ ok: false, reason: 'the worker exited with code 3 before it answered' });
  });

  it('passes every progress line on whole, tagged with its task', async () => {
    const { list } = tasks([{ kind: 'progress', lines: ['a: reading', 'a: fp16'] }, { kind: 'progress', lines: ['b: reading'] }]);
    const seen: string[] = [];
    await runPool<Input, number>(list, { ...base, jobs: 2, memoryBudgetBytes: 100, onProgress: (i, m) => seen.push(`${i} ${m}`) });
    expect(seen.filter((s) => s.startsWith('0 '))).toEqual(['0 a: reading', '0 a: fp16']);
    expect(seen.filter((s) => s.startsWith('1 '))).toEqual(['1 b: reading']);
  });

  it('settles an empty task list at once', async () => {
    expect(await runPool([], { ...base, jobs: 3, memoryBudgetBytes: 1 })).toEqual([]);
  });
});

describe('WorkerPool', () => {
  it('starts waiting tasks by priority, then in the order they came, including tasks submitted while others run', async () => {
    const pool = new WorkerPool({ jobs: 1, memoryBudgetBytes: 100, script: base.script, spawn: spawn as never });
    const { list } = tasks([0, 1, 2, 3].map((value) => ({ kind: 'answer', value, delayMs: 10 })));
    const started: number[] = [];
    const submit = (index: number, priority: number, onEvent?: () => void): Promise<unknown> =>
      pool.submit({ handler: 'test', input: list[index]!.input, bytes: 1, priority }, onEvent ? { onEvent } : {}).then((o) => {
        started.push(index);
        onEvent?.();
        return o;
      });
    let later: Promise<unknown> | undefined;
    const first = submit(0, 1, () => {
      later ??= submit(3, 0);
    });
    const rest = [submit(1, 1), submit(2, 0)];
    await Promise.all([first, ...rest]);
    await later;
    // Task 0 runs at once; of those waiting, the priority-0 ones go first, task 3 joining them.
    expect(started).toEqual([0, 2, 3, 1]);
  });
});
