/**
 * Red-team finding 6 (issue #19): DynamoDB Local listened on every interface with no
 * authentication, and its database file was world-readable. It must answer on 127.0.0.1,
 * refuse this machine's other addresses, and keep its data directory (and files) private.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDbLocal, dynamoDbLocalCommand, startDynamoDbLocal } from '../../../local/dynamodb-local';

jest.setTimeout(120_000);

/** True when a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 3000 });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('timeout', () => finish(false));
  });
}

/** This machine's own non-loopback addresses. */
const ownAddresses = Object.values(networkInterfaces())
  .flat()
  .filter((a) => a !== undefined && !a.internal && a.family === 'IPv4')
  .map((a) => a?.address as string);

/** Local addresses listening on `port`, from /proc/net/tcp and tcp6 (Linux), as hex. */
function procListeners(port: number): string[] | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hexPort}`)) out.push(local.slice(0, -5));
    }
  }
  return out;
}

describe('DynamoDB Local started by local/dynamodb-local.ts', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'ddb-bind-')), 'data');
  let local: DynamoDbLocal;

  beforeAll(async () => {
    local = await startDynamoDbLocal({ dataDir });
    const client = new DynamoDBClient({
      endpoint: local.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(
      new CreateTableCommand({
        TableName: 'bind',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    client.destroy();
  });

  afterAll(async () => {
    await local?.stop();
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('uses the 127.0.0.1 launcher on this machine (javac or jdk.compiler present)', () => {
    expect(dynamoDbLocalCommand([]).mode).not.toBe('jar');
  });

  it('answers on 127.0.0.1', async () => {
    expect(await accepts('127.0.0.1', local.port)).toBe(true);
  });

  it('listens on loopback only (/proc/net/tcp*)', () => {
    const listeners = procListeners(local.port);
    if (listeners === undefined) {
      process.stdout.write('no /proc/net/tcp: listener addresses not checked\n');
      return;
    }
    expect(listeners.length).toBeGreaterThan(0);
    // 127.0.0.1 as /proc writes it: 0100007F (tcp) or the v4-mapped ::ffff:127.0.0.1 (tcp6).
    for (const address of listeners) {
      expect(['0100007F', '0000000000000000FFFF00000100007F']).toContain(address);
    }
  });

  it("refuses connections to this machine's non-loopback addresses", async () => {
    if (ownAddresses.length === 0) {
      process.stdout.write('SKIPPED: this machine has no non-loopback IPv4 address to try\n');
      return;
    }
    for (const address of ownAddresses) expect(await accepts(address, local.port)).toBe(false);
  });

  it('keeps the data directory 0700 and its files 0600', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(statSync(join(dataDir, file)).mode & 0o077).toBe(0);
  });
});
