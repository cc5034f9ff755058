/**
 * The cdk-nag findings every function of the stack shares, acknowledged with their reasons in
 * one place: tracing is opt-in, X-Ray's actions take no resource, and no function is invoked
 * asynchronously (each caller says who invokes it and where its failures go).
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** X-Ray: off, the Serverless pack's finding on the function; on, the wildcard on its role. */
export function acknowledgeTracing(fn: IConstruct, role: IConstruct, tracing: boolean): void {
  if (tracing) {
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.',
    });
  } else {
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason: 'X-Ray tracing is an opt-in stack prop (tracing: true): it adds cost per request.',
    });
  }
}

/** The DLQ/async-destination findings of a function nothing invokes asynchronously. */
export function acknowledgeNoAsyncInvocations(fn: IConstruct, reason: string): void {
  for (const id of ['Serverless-LambdaDLQ', 'Serverless-LambdaAsyncFailureDestination']) {
    Validations.of(fn).acknowledge({ id, reason });
  }
}
