/**
 * Stands in for `@smithy/core/event-streams` in the deployed bundles (lib/bundling.ts aliases it
 * here). The SDK's HTTP protocol loads that module lazily, only for operations that stream
 * events (Bedrock, Transcribe, S3 Select…); none of the operations these functions call
 * (DynamoDB, Secrets Manager, EventBridge) do. esbuild still has to bundle the lazy import, which
 * put ~14 KB of event-stream codecs into every bundle, parsed at every cold start and never run.
 *
 * Same export names as the real module's that the SDK imports, so a bundle still builds; using
 * one fails with an error that names the cause. If a later SDK imports more names from it, the
 * esbuild build fails ("No matching export"), which test/infra/bundles.test.ts and synth report.
 */

export const EVENT_STREAMS_LEFT_OUT =
  'Event streams are not bundled in this function (lib/bundling.ts aliases @smithy/core/event-streams ' +
  'to lib/bundle-shims/event-streams.ts); no operation it calls should need them.';

export class EventStreamSerde {
  constructor() {
    throw new Error(EVENT_STREAMS_LEFT_OUT);
  }
}

export function eventStreamSerdeProvider(): never {
  throw new Error(EVENT_STREAMS_LEFT_OUT);
}
