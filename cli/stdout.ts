/** False once stdout has been closed by its reader (`| head -1`): long writers stop producing. */
export function stdoutOpen(): boolean {
  return !process.stdout.destroyed && process.stdout.writable;
}
