/**
 * Webhook delivery end to end against a real local HTTP receiver that verifies every signature
 * with `verifyWebhook`: feed entries written to DynamoDB Local reach it through the table's
 * stream (and nothing else does); a receiver answering 500 gets retries on the schedule, then
 * the sender gives up; the Lambda sender hides a failed message for the schedule's delay; a
 * tampered body or a stale timestamp is refused by the receiver.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { createWebhookSendHandler } from '../../../lambdas/events/webhook-queue';
import { signWebhook, verifyWebhook, WEBHOOK_HEADERS } from '../../../lambdas/events/webhook-signature';
import type { RetryPolicy } from '../../../lambdas/retry';
import { feedEntryKey, userKey } from '../../../lambdas/store/keys';
import type { StreamFollower } from '../../../local/stream-events';
import { type LocalWebhooks, localWebhooks } from '../../../local/webhooks';
import { createTestTable, type TestTable } from '../../support/dynamo';
import { followTestStream } from '../../support/stream-follower';

const SECRET = randomBytes(32).toString('hex');

interface Received {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly verdict: ReturnType<typeof verifyWebhook>;
}

/** A receiver that verifies each request and answers what `answer` says (200 by default). */
class Receiver {
  readonly received: Received[] = [];
  answer: (request: Received) => number = () => 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const verdict = verifyWebhook({ body, headers: req.headers, secrets: SECRET });
        const request = { at: Date.now(), headers: req.headers, body: body.toString('utf8'), verdict };
        this.received.push(request);
        res.writeHead(verdict.valid ? this.answer(request) : 401).end(verdict.valid ? '' : verdict.reason);
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());
beforeEach(() => {
  receiver.received.length = 0;
  receiver.answer = () => 200;
});

/** The base URL the local server would pass: each pushed SET's `iss`. */
const ISSUER = 'http://127.0.0.1:7643/scim/v2';
const set = (n: number) => ({
  jti: `jti-${n}`,
  iat: 1_800_000_000 + n,
  txn: `txn-${n}`,
  events: { 'urn:ietf:params:scim:event:create': { attributes: ['userName'] } },
  sub_id: { format: 'scim', uri: `/Users/u${n}` },
});

describe('local delivery from the table stream (DynamoDB Local)', () => {
  let table: TestTable;
  let follower: StreamFollower;
  let hooks: LocalWebhooks;
  const attempts: { id: string; attempt: number; decision: string }[] = [];
  // Delays of the real schedule shape, in milliseconds instead of seconds: 60, 120, 240 ms.
  const FAST: RetryPolicy = { attempts: 4, baseMs: 30_000, capMs: 4 * 3_600_000 };

  beforeAll(async () => {
    table = await createTestTable('webhooks');
    hooks = localWebhooks({
      url: receiver.url,
      secret: SECRET,
      issuer: () => ISSUER,
      policy: FAST,
      msPerSecond: 1,
      onAttempt: (a) => attempts.push({ id: a.id, attempt: a.attempt, decision: a.decision.kind }),
    });
    follower = await followTestStream(table, {
      sink: { publish: async () => undefined },
      onChanges: (changes) => hooks.enqueue(changes),
    });
  });
  afterAll(async () => {
    hooks.stop();
    await follower.stop();
    await table.drop();
  });
  beforeEach(() => {
    attempts.length = 0;
  });

  const put = (item: Record<string, unknown>) =>
    table.db.send(new PutCommand({ TableName: table.tableName, Item: item }));
  const deliverAll = async (): Promise<void> => {
    await follower.drain();
    await hooks.idle();
  };

  it('every inserted feed entry is POSTed once, signed; other writes and removed entries send nothing', async () => {
    for (const n of [1, 2, 3])
      await put({ ...feedEntryKey('acme', n), tenant: 'acme', set: set(n), ttl: 2_000_000_000 });
    await put({
      ...userKey('acme', 'u9'),
      type: 'User',
      id: 'u9',
      version: 1,
      resource: { userName: 'nine' },
    });
    await table.db.send(new DeleteCommand({ TableName: table.tableName, Key: feedEntryKey('acme', 1) }));
    await deliverAll();
    expect(receiver.received.every((r) => r.verdict.valid)).toBe(true);
    expect(receiver.received.map((r) => r.headers[WEBHOOK_HEADERS.id]).sort()).toEqual([
      'jti-1',
      'jti-2',
      'jti-3',
    ]);
    const bodies = receiver.received.map(
      (r) => JSON.parse(r.body) as { tenant: string; set: { jti: string } },
    );
    expect(bodies.find((b) => b.set.jti === 'jti-2')).toEqual({
      tenant: 'acme',
      set: { iss: ISSUER, ...set(2) },
    });
    expect(receiver.received.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
  });

  it('a SET with an empty event payload ({} in the item) is delivered as stored', async () => {
    const deleted = {
      jti: 'jti-empty',
      iat: 1_800_000_100,
      events: { 'urn:ietf:params:scim:event:delete': {} },
    };
    await put({ ...feedEntryKey('acme', 5), tenant: 'acme', set: deleted });
    await deliverAll();
    expect(receiver.received.map((r) => JSON.parse(r.body))).toEqual([
      { tenant: 'acme', set: { iss: ISSUER, ...deleted } },
    ]);
  });

  it('a receiver answering 500 gets retries after the scheduled delays, and the event is delivered when it recovers', async () => {
    let failuresLeft = 2;
    receiver.answer = () => (failuresLeft-- > 0 ? 500 : 200);
    await put({ ...feedEntryKey('acme', 10), tenant: 'acme', set: set(10) });
    await deliverAll();
    expect(attempts).toEqual([
      { id: 'jti-10', attempt: 1, decision: 'retry' },
      { id: 'jti-10', attempt: 2, decision: 'retry' },
      { id: 'jti-10', attempt: 3, decision: 'delivered' },
    ]);
    const times = receiver.received.map((r) => r.at);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(60);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(120);
    // Each attempt is signed anew: same id, its own timestamp and signature, all valid.
    expect(new Set(receiver.received.map((r) => r.headers[WEBHOOK_HEADERS.id]))).toEqual(new Set(['jti-10']));
    expect(receiver.received.every((r) => r.verdict.valid)).toBe(true);
  });

  it("a receiver that keeps failing: the sender gives up after the policy's last attempt", async () => {
    receiver.answer = () => 503;
    await put({ ...feedEntryKey('globex', 1), tenant: 'globex', set: set(20) });
    await deliverAll();
    expect(attempts.map((a) => a.decision)).toEqual(['retry', 'retry', 'retry', 'give-up']);
    expect(receiver.received).toHaveLength(FAST.attempts);
  });
});

describe('the Lambda sender against the real receiver', () => {
  const record = (id: string, attempt: number): SQSRecord => ({
    messageId: `m-${id}`,
    receiptHandle: `rh-${id}`,
    body: JSON.stringify({ id, body: JSON.stringify({ tenant: 'acme', set: set(30) }) }),
    attributes: {
      ApproximateReceiveCount: String(attempt),
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:1:q',
    awsRegion: 'us-east-1',
  });

  it('200 → done; 500 → the message is hidden for the scheduled delay and reported for redelivery', async () => {
    const delays: [string, number][] = [];
    const handler = createWebhookSendHandler(() => ({
      url: receiver.url,
      secret: async () => SECRET,
      delay: async (handle, seconds) => void delays.push([handle, seconds]),
    }));
    expect(await handler({ Records: [record('ok', 1)] })).toEqual({ batchItemFailures: [] });
    expect(receiver.received[0]?.verdict.valid).toBe(true);
    receiver.answer = () => 500;
    expect(await handler({ Records: [record('a', 1), record('b', 2)] })).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-a' }, { itemIdentifier: 'm-b' }],
    });
    expect(delays.sort()).toEqual([
      ['rh-a', 60],
      ['rh-b', 120],
    ]);
  });

  it('an unreachable receiver is a failed attempt, not a crash', async () => {
    const delays: number[] = [];
    const handler = createWebhookSendHandler(() => ({
      url: 'http://127.0.0.1:59999/hook',
      secret: async () => SECRET,
      delay: async (_, seconds) => void delays.push(seconds),
    }));
    expect(await handler({ Records: [record('x', 1)] })).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-x' }],
    });
    expect(delays).toEqual([60]);
  });
});

describe('the receiver refuses what it should', () => {
  const post = async (
    body: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; text: string }> => {
    const response = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, text: await response.text() };
  };
  const body = JSON.stringify({ tenant: 'acme', set: set(40) });

  it('a genuine delivery passes; a tampered body fails (mismatch)', async () => {
    expect((await post(body, signWebhook(SECRET, body, 'jti-40'))).status).toBe(200);
    expect(await post(body.replace('acme', 'evil'), signWebhook(SECRET, body, 'jti-40'))).toEqual({
      status: 401,
      text: 'mismatch',
    });
  });

  it('a stale timestamp fails, even with a signature correct for it (a replay)', async () => {
    const old = Math.floor(Date.now() / 1000) - 301;
    expect(await post(body, signWebhook(SECRET, body, 'jti-40', old))).toEqual({
      status: 401,
      text: 'stale',
    });
  });

  it('a signature made with another key fails', async () => {
    expect(await post(body, signWebhook('not-the-key', body, 'jti-40'))).toEqual({
      status: 401,
      text: 'mismatch',
    });
  });
});
