import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { CliError, EXIT_CODES_HELP, EXIT_UNUSABLE, fileError, isFileSystemError } from './cli-errors.js';

/**
 * The greenwave program: every subcommand with the same edges. Usage errors, bad option values and errors a
 * command throws are printed as one line, `greenwave <command>: <what>`, never with a stack trace, and end with
 * the exit-code contract (cli/cli-errors.ts); a closed stdout (`| head -1`) ends the command quietly.
 */
export function buildProgram(): Command {
  const program = new Command();
  // Set before the subcommands are created, so that each inherits them.
  program
    .name('greenwave')
    .description('Greenwave: real-time adaptive traffic signal optimization')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  registerCommands(program);
  for (const command of [program, ...program.commands]) {
    const prefix = command === program ? 'greenwave' : `greenwave ${command.name()}`;
    command.configureOutput({ outputError: (text, write) => write(`${prefix}: ${commanderMessage(text)}\n`) });
    command.addHelpText('after', EXIT_CODES_HELP);
  }
  return program;
}

/** Commander's "error: option '--seed <n>' argument 'abc' is invalid. must be ..." as "--seed = abc: must be ...". */
function commanderMessage(text: string): string {
  const body = text.trim().replace(/^error: /, '');
  const invalid = /^option '(-\w, )?(--[\w-]+)[^']*' argument '(.*)' is invalid\. (.*)$/s.exec(body);
  if (invalid) return `${invalid[2]} = ${invalid[3]}: ${invalid[4]}`;
  const argument = /^command-argument value '(.*)' is invalid for argument '(.*)'\. (.*)$/s.exec(body);
  if (argument) return `<${argument[2]}> = ${argument[1]}: ${argument[3]}`;
  return body;
}

/** Runs the program on `argv`; resolves when the command has finished (errors included: their exit code is set). */
export async function runProgram(argv: string[]): Promise<void> {
  let commandName = 'greenwave';
  const report = (err: unknown) => {
    const { message, exitCode } = describeError(err);
    process.stderr.write(`${commandName}: ${message}\n`);
    // an error ends the command: no simulator, server or timer may keep the process alive after it
    process.exit(exitCode);
  };
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
  endQuietlyWhenStdoutCloses();
  const program = buildProgram();
  program.hook('preAction', (_program, action) => {
    commandName = `greenwave ${action.name()}`;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and --version exit 0; commander has already printed every usage error
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_UNUSABLE;
      return;
    }
    report(err);
  }
}

function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (isFileSystemError(err)) return { message: fileError(err.syscall ?? 'file', err.path ?? '', err).message, exitCode: EXIT_UNUSABLE };
  const message = err instanceof Error ? err.message : String(err);
  const internal = err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError;
  return { message: internal ? `internal error: ${message} (please report it)` : message, exitCode: EXIT_UNUSABLE };
}

/** `greenwave ... | head -1`: the reader has gone, so the command stops quietly (exit 0) instead of an EPIPE trace. */
function endQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') process.exit(0);
    process.stderr.write(`greenwave: cannot write to standard output: ${err.code ?? err.message}\n`);
    process.exit(EXIT_UNUSABLE);
  });
}
