/**
 * The webhook sender's decisions, without a network: which stream records become messages,
 * the exact retry schedule, Retry-After, giving up after the last attempt, the queueing half's
 * partial-failure report, and what the SQS-driven sender does with each outcome (hide the
 * message for the delay, or make it visible at once so SQS dead-letters it).
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent, AttributeValue as LambdaAttributeValue, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { SequencedChange } from '../../../lambdas/events/stream-batch';
import {
  deliveryDecision,
  retryAfterSeconds,
  WEBHOOK_RETRY,
  webhookMessageOf,
} from '../../../lambdas/events/webhook-delivery';
import {
  deliverQueued,
  enqueueWebhooks,
  sqsWebhookQueue,
  type WebhookQueue,
} from '../../../lambdas/events/webhook-queue';
import { createWebhookEnqueueHandler } from '../../../lambdas/handlers/webhook-enqueue';
import { feedEntryKey, userKey } from '../../../lambdas/store/keys';

const feedInsert = (n: number, tenant = 'acme'): SequencedChange => ({
  recordId: `rec-${n}`,
  sequenceNumber: String(1000 + n),
  eventName: 'INSERT',
  newImage: {
    ...feedEntryKey(tenant, n),
    tenant,
    set: {
      jti: `jti-${n}`,
      iat: 1_800_000_000,
      txn: `t${n}`,
      events: { 'urn:ietf:params:scim:event:create': {} },
    },
  },
});

describe('which stream records become webhook messages', () => {
  it('an inserted feed entry: id = the SET jti, body = {"tenant", "set"} as JSON', () => {
    const message = webhookMessageOf(feedInsert(1));
    expect(message?.id).toBe('jti-1');
    expect(JSON.parse(message?.body ?? '')).toEqual({
      tenant: 'acme',
      set: {
        jti: 'jti-1',
        iat: 1_800_000_000,
        txn: 't1',
        events: { 'urn:ietf:params:scim:event:create': {} },
      },
    });
  });

  it('with an issuer, the pushed SET carries it as `iss` (RFC 8417 §2.2), as GET /Events serves it', () => {
    const message = webhookMessageOf(feedInsert(1), 'https://scim.example.com/scim/v2');
    const body = JSON.parse(message?.body ?? '');
    expect(body.set.iss).toBe('https://scim.example.com/scim/v2');
    expect(body.set.jti).toBe('jti-1');
  });

  it('nothing for a feed entry removed (TTL) or modified, or for any other item, or an entry without its set', () => {
    const entry = feedInsert(2);
    expect(
      webhookMessageOf({ ...entry, eventName: 'REMOVE', oldImage: entry.newImage, newImage: undefined }),
    ).toBeUndefined();
    expect(webhookMessageOf({ ...entry, eventName: 'MODIFY' })).toBeUndefined();
    expect(
      webhookMessageOf({
        ...entry,
        newImage: { ...userKey('acme', 'u1'), type: 'User', resource: { userName: 'a' } },
      }),
    ).toBeUndefined();
    // A user email item whose id happened to start with E# is not a feed entry: its PK is not the feed's.
    expect(
      webhookMessageOf({
        ...entry,
        newImage: { PK: 'T#acme#UEMAIL#a@b', SK: 'E#x', set: {}, tenant: 'acme' },
      }),
    ).toBeUndefined();
    expect(
      webhookMessageOf({ ...entry, newImage: { ...feedEntryKey('acme', 1), tenant: 'acme' } }),
    ).toBeUndefined();
  });
});

describe('retry decision and schedule', () => {
  it('2xx is delivered, whatever the attempt', () => {
    for (const status of [200, 201, 202, 204, 299]) {
      expect(deliveryDecision({ status }, 1)).toEqual({ kind: 'delivered' });
      expect(deliveryDecision({ status }, WEBHOOK_RETRY.attempts)).toEqual({ kind: 'delivered' });
    }
  });

  it('every other outcome is retried on the documented schedule: 1, 2, 4 … 128 min, then 4 h; 8 h 15 min in all', () => {
    const delays = Array.from({ length: WEBHOOK_RETRY.attempts - 1 }, (_, i) => {
      const decision = deliveryDecision({ status: 500 }, i + 1);
      if (decision.kind !== 'retry') throw new Error(`attempt ${i + 1}: ${decision.kind}`);
      return decision.delaySeconds;
    });
    expect(delays).toEqual([60, 120, 240, 480, 960, 1920, 3840, 7680, 14400]);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(8 * 3600 + 15 * 60);
    for (const outcome of [
      { status: 301 },
      { status: 400 },
      { status: 401 },
      { status: 404 },
      { status: 503 },
      { error: 'TimeoutError' },
    ]) {
      expect(deliveryDecision(outcome, 1)).toEqual({ kind: 'retry', delaySeconds: 60 });
    }
  });

  it('gives up after the last attempt (the message then goes to the dead-letter queue)', () => {
    expect(deliveryDecision({ status: 500 }, WEBHOOK_RETRY.attempts)).toEqual({ kind: 'give-up' });
    expect(deliveryDecision({ error: 'TypeError (ECONNREFUSED)' }, WEBHOOK_RETRY.attempts + 3)).toEqual({
      kind: 'give-up',
    });
  });

  it("a longer Retry-After is honoured (up to SQS's 12 h), a shorter one does not shorten the schedule", () => {
    expect(deliveryDecision({ status: 429, retryAfterSeconds: 600 }, 1)).toEqual({
      kind: 'retry',
      delaySeconds: 600,
    });
    expect(deliveryDecision({ status: 503, retryAfterSeconds: 5 }, 1)).toEqual({
      kind: 'retry',
      delaySeconds: 60,
    });
    expect(deliveryDecision({ status: 429, retryAfterSeconds: 10 ** 9 }, 1)).toEqual({
      kind: 'retry',
      delaySeconds: 43_200,
    });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Fri, 04 Dec 2026 12:02:00 GMT', now)).toBe(120);
    expect(retryAfterSeconds('Fri, 04 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds(null, now)).toBeUndefined();
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
  });
});

describe('queueing half (stream → SQS)', () => {
  it('queues the feed entries in order and names the first record of the chunk that failed', async () => {
    const queued: string[] = [];
    let calls = 0;
    const queue: WebhookQueue = {
      async send(messages) {
        calls++;
        if (calls === 2) throw new Error('throttled');
        queued.push(...messages.map((m) => m.id));
      },
    };
    const changes = Array.from({ length: 25 }, (_, i) => feedInsert(i));
    const outcome = await enqueueWebhooks(changes, queue);
    expect(queued).toEqual(changes.slice(0, 10).map((_, i) => `jti-${i}`));
    expect(outcome).toMatchObject({ queued: 10, failedFrom: '1010' });
  });

  it('SendMessageBatch: entries SQS rejected are sent again, alone', async () => {
    const sqs = mockClient(SQSClient);
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });
    await sqsWebhookQueue(new SQSClient({ region: 'us-east-1' }), 'https://sqs.example/q').send(
      [feedInsert(1), feedInsert(2)].map((c) => webhookMessageOf(c)).filter((m) => m !== undefined),
    );
    const calls = sqs
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries?.map((e) => e.Id));
    expect(calls).toEqual([['0', '1'], ['1']]);
    sqs.restore();
  });

  it('the Lambda handler reports the first record not queued, from the Lambda stream event shape', async () => {
    const image = (change: SequencedChange) =>
      marshall(change.newImage) as Record<string, LambdaAttributeValue>;
    const event: DynamoDBStreamEvent = {
      Records: [1, 2].map((n) => ({
        eventID: `rec-${n}`,
        eventName: 'INSERT' as const,
        dynamodb: {
          SequenceNumber: String(1000 + n),
          ApproximateCreationDateTime: 1_800_000_000,
          NewImage: image(feedInsert(n)),
        },
      })),
    };
    const sent: string[] = [];
    const ok = createWebhookEnqueueHandler(() => ({
      send: async (m) => void sent.push(...m.map((x) => x.id)),
    }));
    expect(await ok(event)).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual(['jti-1', 'jti-2']);
    const failing = createWebhookEnqueueHandler(() => ({
      send: async () => {
        throw new Error('down');
      },
    }));
    expect(await failing(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '1001' }] });
  });
});

describe('sending half (SQS → POST)', () => {
  const record = (id: string, attempt: number, body?: string): SQSRecord => ({
    messageId: `m-${id}`,
    receiptHandle: `rh-${id}`,
    body: body ?? JSON.stringify({ id, body: '{"tenant":"acme","set":{}}' }),
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
  const answering =
    (status: number): typeof fetch =>
    async () =>
      new Response(null, { status });

  it("delivered → nothing to redo; failed → hidden for the schedule's delay and reported; last attempt → visible now", async () => {
    const delays: [string, number][] = [];
    const failures: string[] = [];
    const options = {
      url: 'https://receiver.example/hook',
      secret: async () => 'secret',
      delay: async (handle: string, seconds: number) => void delays.push([handle, seconds]),
      onFailure: (f: { id: string }) => void failures.push(f.id),
    };
    expect(await deliverQueued([record('a', 1)], { ...options, fetch: answering(204) })).toEqual({
      batchItemFailures: [],
    });
    expect(delays).toEqual([]);
    const result = await deliverQueued([record('b', 3), record('c', WEBHOOK_RETRY.attempts)], {
      ...options,
      fetch: answering(500),
    });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-b' }, { itemIdentifier: 'm-c' }]);
    expect(delays).toEqual([
      ['rh-b', 240],
      ['rh-c', 0],
    ]);
    expect(failures).toEqual(['b', 'c']);
  });

  it('an unreadable message is given up at once, and a failing visibility change still reports the item', async () => {
    const delays: number[] = [];
    const result = await deliverQueued([record('x', 1, 'not json')], {
      url: 'https://receiver.example/hook',
      secret: async () => 'secret',
      fetch: answering(200),
      delay: async (_, seconds) => {
        delays.push(seconds);
        throw new Error('AccessDenied');
      },
    });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-x' }]);
    expect(delays).toEqual([0]);
  });
});
