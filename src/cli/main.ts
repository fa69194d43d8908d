import { version as packageVersion } from '../../package.json';
import { parseCommandLine, wantsDebug, wantsJson, type CommandRequest } from './args.js';
import { runCheck, runConvert, runDiagnose, runVerify, type CommandContext } from './commands.js';
import { EXIT_OK, describeFailure, failureJson, type ExitCode } from './failure.js';
import { unsupportedLines } from './render.js';
import { REPORT_COMMAND, runReportCommand } from './report-command.js';
import { PROGRAM } from './usage.js';
import { LinePrinter, writeJson, type CliIO } from './terminal.js';

export type { CliIO } from './terminal.js';

/** The version printed by --version, taken from package.json at build time. */
export const VERSION: string = packageVersion;

type Runner<R extends CommandRequest> = (request: R, ctx: CommandContext) => Promise<ExitCode>;

const RUNNERS: { [C in CommandRequest['command']]: Runner<Extract<CommandRequest, { command: C }>> } = {
  convert: runConvert,
  check: runCheck,
  verify: runVerify,
  diagnose: runDiagnose,
};

function dispatch(request: CommandRequest, ctx: CommandContext): Promise<ExitCode> {
  const runner = RUNNERS[request.command] as Runner<CommandRequest>;
  return runner(request, ctx);
}

/** The input file a request is about, echoed in JSON failures so scripts can tell models apart. */
function subjectOf(request: CommandRequest | undefined): Record<string, string> {
  if (request === undefined) return {};
  return request.command === 'verify' || request.command === 'diagnose' ? { package: request.packagePath } : { model: request.model };
}

function reportFailure(err: unknown, io: CliIO, argv: readonly string[], request: CommandRequest | undefined): ExitCode {
  const failure = describeFailure(err);
  const stderr = new LinePrinter(io.stderr);
  if (request?.json ?? wantsJson(argv)) writeJson(io.stdout, failureJson(failure, subjectOf(request)));
  stderr.line(`${PROGRAM}: error: ${failure.message}`);
  stderr.lines(unsupportedLines(failure.unsupported ?? []));
  const debug = request?.debug ?? wantsDebug(argv);
  if (debug && err instanceof Error && err.stack) {
    // Stack lines come from our own code and file paths; still escaped, as paths may be hostile.
    stderr.lines(err.stack.split('\n'));
  } else if (failure.internal) {
    stderr.line(`${PROGRAM}: this is a bug; rerun with --debug for the stack trace and report it`);
  }
  return failure.exitCode;
}

/**
 * Runs the command line `argv` (without node and script paths) and returns the
 * exit code: 0 success, 1 conversion not possible or verification failed,
 * 2 usage error or unreadable input. Never throws and never calls process.exit,
 * so tests can call it in-process.
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let request: CommandRequest | undefined;
  try {
    // `report` takes many paths and parses its own options (src/cli/report-command.ts).
    if (argv[0] === REPORT_COMMAND) return await runReportCommand(argv.slice(1), io);
    const parsed = parseCommandLine(argv);
    if (parsed.command === 'version') {
      io.stdout.write(`${VERSION}\n`);
      return EXIT_OK;
    }
    if (parsed.command === 'help') {
      io.stdout.write(`${parsed.text}\n`);
      return EXIT_OK;
    }
    request = parsed;
    const ctx: CommandContext = { io, out: new LinePrinter(io.stdout), err: new LinePrinter(io.stderr) };
    return await dispatch(request, ctx);
  } catch (err) {
    return reportFailure(err, io, argv, request);
  }
}
