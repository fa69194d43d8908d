import { main } from './cli/main.js';
import { isPoolWorker } from './parallel/worker.js';
import { isProcessEntry } from './process-entry.js';

/**
 * The `onnx-coreml` command. All behaviour lives in `main` (src/cli/main.ts),
 * which tests call in-process; this file only connects it to the process.
 */

export { main, VERSION, type CliIO } from './cli/main.js';

/** A reader that stops early (`| head`) closes the pipe; that ends the command quietly, as for any Unix tool. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// A worker thread of a parallel `report` runs this same bundle: it serves its one task.
if (isPoolWorker()) await (await import('./run/parallel.js')).serveRunTask();

if (isProcessEntry(import.meta.url)) {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  const io = { stdout: process.stdout, stderr: process.stderr, stderrIsTTY: process.stderr.isTTY === true };
  process.exitCode = await main(process.argv.slice(2), io);
}
