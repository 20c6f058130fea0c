import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { TraciClient } from './traci/traci-client.js';
import { TraciError } from './traci/traci-error.js';

export const SUMO_INSTALL_HINT =
  "install SUMO 1.15 (Debian/Ubuntu: 'apt-get install -y sumo sumo-tools', then export SUMO_HOME=/usr/share/sumo), or pass the sumo binary with --sumo-binary / SUMO_BINARY";

export interface SumoLaunchOptions {
  /** sumo (or sumo-gui) executable. Default: $SUMO_BINARY, else 'sumo' on the PATH. */
  binary?: string;
  /** SUMO arguments, without --remote-port (added here). */
  args: readonly string[];
  /** TCP port for TraCI. Default: a free port chosen by the OS. */
  port?: number;
  /** Longest wait for SUMO to accept the TraCI connection. Default 30 000 ms. */
  startTimeoutMs?: number;
  /** Longest wait for one TraCI answer. Default 120 000 ms. */
  requestTimeoutMs?: number;
  /** Longest wait for SUMO to exit after the connection is closed before it is killed. Default 10 000 ms. */
  exitTimeoutMs?: number;
  /** TraCI API level the client insists on. Default 20 (SUMO 1.15). */
  expectedApiVersion?: number;
  /** Bytes of SUMO's stderr/stdout kept for error messages. Default 8 KiB. */
  outputTailBytes?: number;
}

export interface SumoExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every SUMO this process started and has not reaped yet (also run on process exit). */
export function killAllSumoProcesses(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Number of SUMO processes started here that are still running (for tests and diagnostics). */
export function liveSumoProcessCount(): number {
  return live.size;
}

/**
 * A running SUMO with a TraCI connection. `close()` ends the run cleanly (SUMO writes its outputs) and never
 * leaves the process behind: it is killed if it does not exit in time.
 */
export class SumoProcess {
  private output = '';
  readonly exited: Promise<SumoExit>;
  private exitInfo: SumoExit | null = null;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly tailBytes: number,
    private readonly exitTimeoutMs: number,
  ) {
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString('utf8')).slice(-this.tailBytes);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise<SumoExit>((resolve) => {
      const done = (info: SumoExit) => {
        if (this.exitInfo) return;
        live.delete(child);
        this.exitInfo = info;
        resolve(info);
      };
      child.once('exit', (code, signal) => done({ code, signal }));
      // a process that could not be spawned never emits 'exit'
      child.once('error', () => {
        if (child.pid === undefined) done({ code: null, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
  get hasExited(): boolean {
    return this.exitInfo !== null;
  }
  /** The last bytes SUMO wrote to stdout/stderr. */
  get outputTail(): string {
    return this.output;
  }

  static async launch(o: SumoLaunchOptions): Promise<{ sumo: SumoProcess; client: TraciClient }> {
    const binary = o.binary ?? process.env['SUMO_BINARY'] ?? 'sumo';
    const port = o.port ?? (await freePort());
    const env = { ...process.env };
    if (!env['SUMO_HOME'] && existsSync('/usr/share/sumo')) env['SUMO_HOME'] = '/usr/share/sumo';
    const child = spawn(binary, [...o.args, '--remote-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    installExitHook();
    live.add(child);
    const sumo = new SumoProcess(child, port, o.outputTailBytes ?? 8192, o.exitTimeoutMs ?? 10_000);
    const spawnError = new Promise<never>((_, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        live.delete(child);
        reject(
          e.code === 'ENOENT'
            ? new TraciError('GW_ERR_SUMO_NOT_FOUND', `SUMO executable '${binary}' not found: ${SUMO_INSTALL_HINT}`)
            : new TraciError('GW_ERR_SUMO_START', `could not start '${binary}': ${e.message}`),
        );
      });
    });
    spawnError.catch(() => undefined);
    try {
      const client = await Promise.race([
        spawnError,
        TraciClient.connect({
          port,
          connectTimeoutMs: o.startTimeoutMs ?? 30_000,
          // SUMO opens its port a few milliseconds after it starts: waiting long between attempts is dead time
          retryDelayMs: 10,
          requestTimeoutMs: o.requestTimeoutMs ?? 120_000,
          expectedApiVersion: o.expectedApiVersion,
          onRetry: () => {
            if (sumo.hasExited) throw sumo.exitError('GW_ERR_SUMO_START', 'SUMO exited before accepting the TraCI connection');
          },
        }).catch((e: unknown) => {
          if (sumo.hasExited) throw sumo.exitError('GW_ERR_SUMO_START', 'SUMO exited before accepting the TraCI connection');
          throw e;
        }),
      ]);
      return { sumo, client };
    } catch (e) {
      // SUMO opens its port before loading its inputs: a connection that drops during start-up usually means
      // SUMO quit on bad input; give it a moment to exit so its own message can be reported
      if (e instanceof TraciError && (e.code === 'GW_ERR_TRACI_CLOSED' || e.code === 'GW_ERR_TRACI_CONNECT')) {
        await Promise.race([sumo.exited, new Promise((r) => setTimeout(r, 2000))]);
        if (sumo.hasExited) e = sumo.exitError('GW_ERR_SUMO_START', 'SUMO quit during start-up');
      }
      await sumo.kill();
      throw e;
    }
  }

  /** An error naming SUMO's exit status and the end of its output. */
  exitError(code: 'GW_ERR_SUMO_START' | 'GW_ERR_SUMO_EXITED', what: string): TraciError {
    const status = this.exitInfo ? (this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `exit code ${this.exitInfo.code}`) : 'still running';
    const tail = this.output.trim().split('\n').slice(-12).join('\n');
    return new TraciError(code, `${what} (${status})${tail ? `; SUMO said:\n${tail}` : ''}`);
  }

  /** Waits for SUMO to exit (after the TraCI close), killing it after the exit timeout. */
  async waitOrKill(): Promise<SumoExit> {
    if (this.exitInfo) return this.exitInfo;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), this.exitTimeoutMs);
    });
    const res = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (res) return res;
    return this.kill();
  }

  /** Kills SUMO (SIGKILL) and waits for it to be reaped. */
  async kill(): Promise<SumoExit> {
    if (this.exitInfo) return this.exitInfo;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    return this.exited;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killAllSumoProcesses);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
