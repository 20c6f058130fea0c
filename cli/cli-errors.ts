/**
 * The exit-code contract of every greenwave command, and the one error type a command throws to end with a
 * clear message and no stack trace.
 */
export const EXIT_OK = 0;
/** Some input records were rejected; what could be used was used and the outputs were written. */
export const EXIT_SOME_REJECTED = 1;
/** Unusable input, bad usage, or the command could not run at all. */
export const EXIT_UNUSABLE = 2;

/** The same words at the end of every `--help`. */
export const EXIT_CODES_HELP = '\nExit codes: 0 ok; 1 some input records rejected (the rest used, outputs written); 2 unusable input, bad usage or could not run.';

/** Error the CLI reports as `greenwave <command>: <message>`, without a stack trace, with an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_UNUSABLE,
  ) {
    super(message);
  }
}

const FILE_ERROR_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, a file is needed',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
};

/** A file-system error in words: `<what> <path>: <reason>` (e.g. "--counts data/: is a directory, a file is needed"). */
export function fileError(what: string, path: string, err: unknown): CliError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const words = (code && FILE_ERROR_WORDS[code]) ?? (err instanceof Error ? err.message : String(err));
  return new CliError(`${what} ${path}: ${words}${code ? ` (${code})` : ''}`);
}

/** True for Node's file-system errors (they carry a code and a syscall), which are reported as such. */
export function isFileSystemError(err: unknown): err is NodeJS.ErrnoException & { path?: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}
