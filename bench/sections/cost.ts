/**
 * Section 1: DynamoDB requests and capacity of each SCIM operation, read from the server's
 * x-scim-dynamodb-cost header (the request's activity record included, as deployed), each
 * against its target from issue 8. Every operation runs on its own fresh resource a few times
 * and the worst sample is reported, because the targets are upper bounds. An endpoint that is not built yet makes its row "not available", not a crash.
 */
import type { DynamoCost } from '../../lambdas/observability/dynamo-cost';
import type { BenchEnv } from '../lib/env';
import { type BenchResponse, expectStatus, NotAvailable, type ScimHttpClient } from '../lib/http-client';
import type { ConsumerCost, CostRow, CostSection } from '../lib/results';
import { ensureUsers } from '../lib/seed';
import {
  addMembersPatch,
  describeError,
  groupBody,
  note,
  PATCH_SCHEMA,
  progress,
  readsOf,
  removeMemberPatch,
  userBody,
  writesOf,
} from '../lib/util';

const SAMPLES = 3;

/** Sends an operation's one metered request, the stream consumer's work on its records measured too. */
type SendMeasured = (request: () => Promise<BenchResponse>) => Promise<BenchResponse>;

interface Measured {
  readonly name: string;
  readonly target: string;
  /** undefined: no target for this operation. */
  readonly check?: (cost: DynamoCost) => boolean;
  readonly samples?: number;
  /** Prepares what it needs (unmetered), then returns the one metered response, sent through `measured`. */
  readonly run: (sample: number, measured: SendMeasured) => Promise<BenchResponse>;
  readonly expect: number[];
}

const reads = readsOf;
const writes = writesOf;

export async function runCostSection(env: BenchEnv, options: { large: boolean }): Promise<CostSection> {
  const started = Date.now();
  const users = env.client('cost');
  const bulk = env.client('bulk');
  let counter = 0;
  const unique = (prefix: string): string => {
    counter += 1;
    return `${prefix}${Date.now().toString(36)}${counter}`;
  };

  const createUser = async (): Promise<{ id: string; body: Record<string, unknown> }> => {
    const response = expectStatus(
      await users.request('POST', '/Users', userBody(`${unique('cost.user')}@example.com`)),
      [201],
      'create user',
    );
    return { id: String(response.body.id), body: response.body as Record<string, unknown> };
  };
  const createGroup = async (client: ScimHttpClient, members: string[] = []): Promise<string> => {
    const response = expectStatus(
      await client.request('POST', '/Groups', groupBody(unique('cost group '), members)),
      [201],
      'create group',
    );
    return String(response.body.id);
  };

  const operations: Measured[] = [
    {
      name: 'create user',
      target: '1 transaction + ≤ 1 counter write',
      check: (c) => (c.byCommand.TransactWriteItems ?? 0) === 1 && c.requests <= 2 && reads(c) === 0,
      run: (_, measured) =>
        measured(() => users.request('POST', '/Users', userBody(`${unique('cost.create')}@example.com`))),
      expect: [201],
    },
    {
      name: 'get user',
      target: '1 request',
      check: (c) => c.requests === 1,
      run: async (_, measured) => {
        const { id } = await createUser();
        return measured(() => users.request('GET', `/Users/${id}`));
      },
      expect: [200],
    },
    {
      name: 'userName eq lookup (match)',
      target: '≤ 2 requests',
      check: (c) => c.requests <= 2,
      run: async (_, measured) => {
        const { body } = await createUser();
        const filter = encodeURIComponent(`userName eq "${String(body.userName)}"`);
        return measured(() => users.request('GET', `/Users?filter=${filter}&startIndex=1&count=100`));
      },
      expect: [200],
    },
    {
      name: 'userName eq lookup (no match, Okta pre-create)',
      target: '≤ 2 requests',
      check: (c) => c.requests <= 2,
      run: (_, measured) => {
        const filter = encodeURIComponent(`userName eq "${unique('absent')}@example.com"`);
        return measured(() => users.request('GET', `/Users?filter=${filter}&startIndex=1&count=100`));
      },
      expect: [200],
    },
    {
      name: 'email lookup (Entra: emails[type eq "work"].value eq)',
      target: '1 Query + 1 GetItem',
      check: (c) => c.requests <= 2,
      run: async (_, measured) => {
        const { body } = await createUser();
        const email = String((body.emails as { value: string }[])[0]?.value);
        const filter = encodeURIComponent(`emails[type eq "work"].value eq "${email}"`);
        return measured(() => users.request('GET', `/Users?filter=${filter}`));
      },
      expect: [200],
    },
    {
      name: 'root POST /.search, first page of 100',
      target: 'no target',
      run: (_, measured) =>
        measured(() =>
          users.request('POST', '/.search', {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
            startIndex: 1,
            count: 100,
          }),
        ),
      expect: [200],
    },
    {
      name: 'full PUT user (Okta echoes id and meta)',
      target: '1 read + 1 write',
      check: (c) => reads(c) <= 1 && writes(c) <= 1,
      run: async (_, measured) => {
        const { id, body } = await createUser();
        return measured(() =>
          users.request('PUT', `/Users/${id}`, {
            ...body,
            displayName: 'Changed By Put',
            title: 'Engineer',
          }),
        );
      },
      expect: [200],
    },
    {
      name: 'PATCH one attribute',
      target: '1 read + 1 write',
      check: (c) => reads(c) <= 1 && writes(c) <= 1,
      run: async (_, measured) => {
        const { id } = await createUser();
        return measured(() =>
          users.request('PATCH', `/Users/${id}`, {
            schemas: [PATCH_SCHEMA],
            Operations: [{ op: 'Replace', path: 'displayName', value: 'Changed By Patch' }],
          }),
        );
      },
      expect: [200, 204],
    },
    {
      name: 'deactivate (path-less PATCH active=false)',
      target: '1 read + 1 write',
      check: (c) => reads(c) <= 1 && writes(c) <= 1,
      run: async (_, measured) => {
        const { id } = await createUser();
        return measured(() =>
          users.request('PATCH', `/Users/${id}`, {
            schemas: [PATCH_SCHEMA],
            Operations: [{ op: 'replace', value: { active: false } }],
          }),
        );
      },
      expect: [200, 204],
    },
    {
      name: 'rejected PATCH (400, no read): its activity record only',
      target: '1 write',
      check: (c) => writes(c) <= 1 && reads(c) === 0,
      run: async (_, measured) => {
        const { id } = await createUser();
        return measured(() =>
          users.request('PATCH', `/Users/${id}`, {
            schemas: [PATCH_SCHEMA],
            Operations: [{ op: 'jump' }],
          }),
        );
      },
      expect: [400],
    },
    {
      name: 'delete user',
      target: 'no target',
      run: async (_, measured) => {
        const { id } = await createUser();
        return measured(() => users.request('DELETE', `/Users/${id}`));
      },
      expect: [204],
    },
  ];

  // Group operations run in the bulk tenant, whose users are the members.
  const memberPool = await ensureUsers(env, 'bulk', 1000 + 100 * SAMPLES + SAMPLES + 10).catch((error) => {
    if (error instanceof NotAvailable) return [] as string[];
    throw error;
  });
  const member = (i: number): string => memberPool[i % Math.max(1, memberPool.length)] as string;
  let bigGroup: string | undefined;
  const thousand = memberPool.slice(0, 1000);
  const bigGroupId = async (): Promise<string> => {
    if (!bigGroup) {
      bigGroup = await createGroup(bulk);
      expectStatus(
        await bulk.request('PUT', `/Groups/${bigGroup}`, groupBody(`cost thousand ${bigGroup}`, thousand)),
        [200],
        'PUT 1,000 members',
      );
    }
    return bigGroup;
  };
  operations.push(
    {
      name: 'create group (no members)',
      target: 'no target',
      run: (_, measured) =>
        measured(() => bulk.request('POST', '/Groups', groupBody(unique('cost create group ')))),
      expect: [201],
    },
    {
      name: 'add 1 member (PATCH add)',
      target: '⌈1/25⌉ = 1 write + ⌈1/100⌉ = 1 read',
      check: (c) => writes(c) <= 1 && reads(c) <= 1,
      run: async (i, measured) => {
        const id = await createGroup(bulk);
        return measured(() => bulk.request('PATCH', `/Groups/${id}`, addMembersPatch([member(1000 + i)])));
      },
      expect: [200, 204],
    },
    {
      name: 'add 100 members (PATCH add)',
      target: '⌈100/25⌉ = 4 writes + ⌈100/100⌉ = 1 read',
      check: (c) => writes(c) <= 4 && reads(c) <= 1,
      run: async (i, measured) => {
        const id = await createGroup(bulk);
        const ids = memberPool.slice(1000 + SAMPLES + 100 * i, 1000 + SAMPLES + 100 * (i + 1));
        return measured(() => bulk.request('PATCH', `/Groups/${id}`, addMembersPatch(ids)));
      },
      expect: [200, 204],
    },
    {
      name: 'PATCH group attribute (externalId)',
      target: '1 read + 1 write',
      check: (c) => writes(c) <= 1 && reads(c) <= 1,
      run: async (_, measured) => {
        const id = await createGroup(bulk);
        return measured(() =>
          bulk.request('PATCH', `/Groups/${id}`, {
            schemas: [PATCH_SCHEMA],
            Operations: [{ op: 'replace', path: 'externalId', value: unique('ext-') }],
          }),
        );
      },
      expect: [200, 204],
    },
    {
      name: 'remove 1 member (Okta path filter)',
      target: '1 write',
      check: (c) => writes(c) <= 1 && reads(c) === 0,
      run: async (i, measured) => {
        const id = await createGroup(bulk, [member(i), member(i + 1)]);
        return measured(() => bulk.request('PATCH', `/Groups/${id}`, removeMemberPatch(member(i))));
      },
      expect: [200, 204],
    },
    {
      name: 'full PUT of 1,000 members (empty → 1,000)',
      target: 'no target',
      samples: 1,
      run: async (_, measured) => {
        const id = await createGroup(bulk);
        return measured(() => bulk.request('PUT', `/Groups/${id}`, groupBody(`cost put ${id}`, thousand)));
      },
      expect: [200],
    },
    {
      name: 'full PUT of 1,000 members (unchanged)',
      target: 'no target',
      samples: 1,
      run: async (_, measured) => {
        const id = await bigGroupId();
        return measured(() =>
          bulk.request('PUT', `/Groups/${id}`, groupBody(`cost thousand ${id}`, thousand)),
        );
      },
      expect: [200],
    },
    {
      name: 'get group with 1,000 members',
      target: 'no target',
      run: async (_, measured) => {
        const id = await bigGroupId();
        return measured(() => bulk.request('GET', `/Groups/${id}`));
      },
      expect: [200],
    },
    {
      name: 'get group, excludedAttributes=members',
      target: '1 read',
      check: (c) => c.requests === 1 && reads(c) === 1,
      run: async (_, measured) => {
        const id = await bigGroupId();
        return measured(() => bulk.request('GET', `/Groups/${id}?excludedAttributes=members`));
      },
      expect: [200],
    },
    {
      name: 'displayName sw (groups, name index, excludedAttributes=members)',
      target: '1 request',
      check: (c) => c.requests === 1,
      run: async (_, measured) => {
        await createGroup(bulk);
        const filter = encodeURIComponent('displayName sw "cost create"');
        return measured(() => bulk.request('GET', `/Groups?filter=${filter}&excludedAttributes=members`));
      },
      expect: [200],
    },
    {
      name: 'delete group of 100 members',
      target: '12 requests',
      check: (c) => c.requests <= 12,
      samples: 1,
      run: async (_, measured) => {
        const id = await createGroup(bulk, memberPool.slice(0, 100));
        return measured(() => bulk.request('DELETE', `/Groups/${id}`));
      },
      expect: [204],
    },
    {
      name: 'delete group of 1,000 members',
      target: 'no target',
      samples: 1,
      run: async (_, measured) => {
        const id = await bigGroupId();
        bigGroup = undefined;
        return measured(() => bulk.request('DELETE', `/Groups/${id}`));
      },
      expect: [204],
    },
  );

  // The consumer reads a tenant's feed counter once per process and keeps it: warm both tenants
  // first, so that one-off read is not charged to whichever row happens to run first.
  await env.consumed(() => createUser());
  await env.consumed(() => createGroup(bulk));
  const rows: CostRow[] = [];
  for (const [index, op] of operations.entries()) {
    progress(`  cost ${index + 1}/${operations.length}: ${op.name}`, true);
    rows.push(await measure(env, op));
  }
  note(
    `  cost: ${rows.filter((r) => r.verdict === 'meets').length} meet, ${rows.filter((r) => r.verdict === 'misses').length} miss, ${rows.filter((r) => r.verdict === 'not available' || r.verdict === 'failed').length} not measured`,
  );
  return {
    measuredAt: new Date().toISOString(),
    large: options.large,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    rows,
  };
}

async function measure(env: BenchEnv, op: Measured): Promise<CostRow> {
  const samples = op.samples ?? SAMPLES;
  let worst: DynamoCost | undefined;
  let worstConsumer: ConsumerCost | undefined;
  try {
    for (let i = 0; i < samples; i += 1) {
      let consumer: ConsumerCost | undefined;
      const send: SendMeasured = async (request) => {
        const measured = await env.consumed(request);
        consumer = measured.consumer;
        return measured.result;
      };
      const response = expectStatus(await op.run(i, send), op.expect, op.name);
      const cost = response.cost;
      if (!cost)
        throw new Error('no x-scim-dynamodb-cost header (is SCIM_COST_HEADER=1 reaching the handler?)');
      if (!consumer) throw new Error(`${op.name}: the metered request was not sent through measured()`);
      if (isWorse(cost, worst)) worst = cost;
      if (
        !worstConsumer ||
        isWorse(consumer.cost, worstConsumer.cost) ||
        (!isWorse(worstConsumer.cost, consumer.cost) && consumer.events > worstConsumer.events)
      )
        worstConsumer = consumer;
    }
  } catch (error) {
    return {
      operation: op.name,
      target: op.target,
      samples,
      verdict: error instanceof NotAvailable ? 'not available' : 'failed',
      note: describeError(error),
    };
  }
  const cost = worst as DynamoCost;
  return {
    operation: op.name,
    target: op.target,
    samples,
    cost,
    reads: readsOf(cost),
    writes: writesOf(cost),
    ...(worstConsumer ? { consumer: worstConsumer } : {}),
    verdict: op.check ? (op.check(cost) ? 'meets' : 'misses') : 'no target',
  };
}

/** More requests, or as many and more capacity: targets are upper bounds, so the worst sample counts. */
function isWorse(cost: DynamoCost, than: DynamoCost | undefined): boolean {
  return (
    !than || cost.requests > than.requests || (cost.requests === than.requests && weight(cost) > weight(than))
  );
}

function weight(cost: DynamoCost): number {
  return cost.readCapacityUnits + cost.writeCapacityUnits;
}
