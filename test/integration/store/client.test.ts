/**
 * The DynamoDB client the handlers use, as DynamoDB sees it: calls reuse one kept-alive
 * connection (a new TCP connection per call would add a handshake to every SCIM request's
 * latency), and dropping the SDK's logger middleware loses no error. Connections are counted
 * by a TCP relay in front of DynamoDB Local, not by reading SDK internals.
 */
import { createServer as createHttpServer } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../lambdas/store/client';
import { createTestTable, type TestTable } from '../../support/dynamo';

let table: TestTable;
let relay: Server;
let relayEndpoint: string;
let accepted = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  table = await createTestTable('client');
  const target = new URL(table.endpoint);
  relay = createServer((inbound) => {
    accepted += 1;
    const outbound = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  if (typeof address !== 'object' || !address) throw new Error('relay has no port');
  relayEndpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  // close() waits for open connections; kept-alive ones would hold it for their idle timeout.
  const closed = new Promise<void>((resolve) => relay.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  await closed;
  await table.drop();
});

describe('createDocumentClient', () => {
  it('sends sequential calls over one kept-alive connection', async () => {
    const db = createDocumentClient({ endpoint: relayEndpoint });
    try {
      accepted = 0;
      for (let i = 0; i < 20; i += 1) {
        await db.send(new PutCommand({ TableName: table.tableName, Item: { PK: 'C#1', SK: `S${i}` } }));
        await db.send(new GetCommand({ TableName: table.tableName, Key: { PK: 'C#1', SK: `S${i}` } }));
      }
      expect(accepted).toBe(1);
    } finally {
      db.destroy();
    }
  });

  it('opens no more connections than calls in flight, and reuses them afterwards', async () => {
    const db = createDocumentClient({ endpoint: relayEndpoint });
    try {
      accepted = 0;
      const read = (i: number) =>
        db.send(new GetCommand({ TableName: table.tableName, Key: { PK: 'C#1', SK: `S${i % 20}` } }));
      await Promise.all([0, 1, 2, 3].map(read));
      const afterBurst = accepted;
      expect(afterBurst).toBeLessThanOrEqual(4);
      for (let i = 0; i < 10; i += 1) await read(i);
      await Promise.all([4, 5, 6].map(read));
      expect(accepted).toBe(afterBurst);
    } finally {
      db.destroy();
    }
  });

  it('still surfaces service errors by name (the logger middleware it drops only logged them)', async () => {
    await table.db.send(new PutCommand({ TableName: table.tableName, Item: { PK: 'C#2', SK: 'A' } }));
    await expect(
      table.db.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { PK: 'C#2', SK: 'A' },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } });
    await expect(
      table.db.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'nope = :x',
          ExpressionAttributeValues: { ':x': 'y' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    expect(table.db.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(false);
  });

  it('a local endpoint lets calls wait for a free socket: 200 in parallel on 50 sockets, each answered', async () => {
    // A DynamoDB stand-in that answers every call after 400 ms: the fourth wave of 50 waits
    // 1.2 s for a socket, past the 1 s a deployed connection may take. One attempt each, so a
    // timed-out call fails the test instead of succeeding on a retry.
    const slow = createHttpServer((request, response) => {
      request.resume();
      request.on('end', () =>
        setTimeout(() => {
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          response.end('{}');
        }, 400),
      );
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const address = slow.address();
    if (typeof address !== 'object' || !address) throw new Error('no port');
    const db = createDocumentClient({ endpoint: `http://127.0.0.1:${address.port}`, maxAttempts: 1 });
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) =>
          db.send(new GetCommand({ TableName: 't', Key: { PK: 'C#3', SK: `S${i}` } })),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason))).toEqual([]);
    } finally {
      db.destroy();
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });
});
