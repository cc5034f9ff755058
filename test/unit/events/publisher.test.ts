import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent, AttributeValue as LambdaAttributeValue } from 'aws-lambda';

// The SDK's and aws-lambda's AttributeValue types describe one wire shape with two nominal types.
type LambdaImage = Record<string, LambdaAttributeValue>;

import { mockClient } from 'aws-sdk-client-mock';
import type { ChangeEvent } from '../../../lambdas/events/change-events';
import { type EventSink, eventBridgeSink } from '../../../lambdas/events/event-sink';
import { publishStreamBatch, type SequencedChange } from '../../../lambdas/events/stream-batch';
import { createEventsHandler } from '../../../lambdas/events/stream-record';
import { groupKey } from '../../../lambdas/store/keys';

const groupInsert = (n: number): SequencedChange => ({
  recordId: `rec-${n}`,
  sequenceNumber: String(100 + n),
  eventName: 'INSERT',
  newImage: { ...groupKey('acme', `g${n}`), type: 'Group', version: 1, resource: { displayName: `G${n}` } },
});

describe('stream batch publishing', () => {
  it('reports the first record of the chunk that failed, after publishing the chunks before it', async () => {
    const published: ChangeEvent[] = [];
    let calls = 0;
    const sink: EventSink = {
      async publish(events) {
        calls++;
        if (calls === 2) throw new Error('throttled');
        published.push(...events);
      },
    };
    const changes = Array.from({ length: 25 }, (_, i) => groupInsert(i));
    const outcome = await publishStreamBatch(changes, sink);
    expect(outcome.published).toBe(10);
    expect(outcome.failedFrom).toBe('110');
    expect(published.map((e) => e.detail.resourceId)).toEqual(changes.slice(0, 10).map((_, i) => `g${i}`));
  });

  it('EventBridge sink re-sends only the entries PutEvents rejected, then gives up loudly', async () => {
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    const sink = eventBridgeSink(new EventBridgeClient({ region: 'us-east-1' }), 'bus');
    const outcome = await publishStreamBatch([groupInsert(1), groupInsert(2)], sink);
    expect(outcome.failedFrom).toBeUndefined();
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Entries?.map((e) => JSON.parse(e.Detail ?? '{}').resourceId)).toEqual([
      'g2',
    ]);
    expect(calls[0]?.args[0].input.Entries?.[0]).toMatchObject({
      EventBusName: 'bus',
      Source: 'scim.directory',
      DetailType: 'Group Created',
    });

    eventBridge.reset();
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const failed = await publishStreamBatch([groupInsert(3)], sink);
    expect(failed.failedFrom).toBe('103');
    eventBridge.restore();
  });

  it('the Lambda handler turns a failure into a batch item failure for that record', async () => {
    const event: DynamoDBStreamEvent = {
      Records: [1, 2].map((n) => ({
        eventID: `e${n}`,
        eventName: 'INSERT' as const,
        dynamodb: {
          SequenceNumber: `s${n}`,
          NewImage: marshall({
            ...groupKey('acme', `g${n}`),
            version: 1,
            resource: { displayName: 'x' },
          }) as unknown as LambdaImage,
        },
      })),
    };
    const ok = createEventsHandler(() => ({ publish: async () => undefined }), false);
    expect(await ok(event)).toEqual({ batchItemFailures: [] });
    const failing = createEventsHandler(
      () => ({
        publish: async () => {
          throw new Error('down');
        },
      }),
      false,
    );
    expect(await failing(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 's1' }] });
  });
});
