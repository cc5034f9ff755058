/**
 * The mechanism Users and Groups share, parameterised by a ResourceKind (keys, the unique name
 * attribute, the item types). A resource item holds the SCIM attributes in `resource`, its
 * `version` and its index keys: GSI1 listing (id order), GSI2 externalId (sparse), GSI3 the
 * folded name (scim/names.ts nameKey). The name is unique per tenant under that fold: a guard
 * item keyed by the folded name is written in the SAME transaction as the resource, so two
 * concurrent creates cannot both win, and a rename moves the guard atomically.
 *
 * Requests: create = 1 TransactWriteItems (again only after a lost race); get = 1 GetItem; by
 * name = 2 GetItems (guard read strongly consistently, then the resource); by externalId =
 * 1 Query (GSI2); rename = 1 TransactWriteItems; delete = 1 TransactWriteItems.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError, isDomainError } from '../domain/errors';
import { retry } from '../retry';
import { clipped } from '../scim/clip';
import { nameKey } from '../scim/names';
import type { JsonObject } from '../scim/schema/json';
import type { StoreContext } from './context';
import { type CountedResource, readResourceCount } from './counters';
import { type ItemRole, translateConditionFailure } from './errors';
import { isResourceId } from './ids';
import {
  collectMatching,
  type ListingSource,
  MAX_EXAMINED_ITEMS,
  queryIndexPartition,
  type StoredItem,
} from './listing';
import { CREATE_RACE_RETRY } from './retry-policies';
import { LOOKUP_INDEX, NAME_INDEX } from './table-definition';
import { sendTransaction, type TransactItem } from './transactions';

/** externalId is a GSI2 partition key component (DynamoDB allows 2048 bytes). */
const MAX_EXTERNAL_ID_BYTES = 1500;

type TableKey = { readonly PK: string; readonly SK: string };

/** The fields every stored resource has. */
export interface StoredResource {
  readonly id: string;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  /** Canonical SCIM attributes without id and meta. */
  readonly resource: JsonObject;
}

/** What differs between the resource types that share this module. */
export interface ResourceKind<R extends StoredResource> {
  /** For messages: "user", "group". */
  readonly noun: string;
  readonly itemType: string;
  readonly guardType: string;
  /** The SCIM attribute unique per tenant, case-insensitively. */
  readonly nameAttribute: string;
  /** The name's nameKey is a GSI3 sort key (DynamoDB allows 1024 bytes). */
  readonly maxNameBytes: number;
  /** Whether a string is no name at all (users: empty; groups: blank). */
  readonly isMissingName: (name: string) => boolean;
  /** The guard's attribute naming the resource that holds the name. */
  readonly guardOwner: string;
  readonly key: (tenant: string, id: string) => TableKey;
  readonly nameKey: (tenant: string, name: string) => TableKey;
  readonly listingPk: (tenant: string) => string;
  readonly externalIdPk: (tenant: string, externalId: string) => string;
  readonly namesPk: (tenant: string) => string;
  readonly fromItem: (item: StoredItem | undefined) => R | undefined;
  /** The tenant's counter of this kind (counters.ts). */
  readonly counted: CountedResource;
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Name equality under the name profile: a change of case or width only keeps the guard. */
export const isSameName = (a: string, b: string): boolean => nameKey(a) === nameKey(b);

/** Whether `name` could be stored at all (non-empty, short enough for its keys). */
function isStorableName(kind: ResourceKind<StoredResource>, name: string): boolean {
  return name !== '' && byteLength(nameKey(name)) <= kind.maxNameBytes;
}

/** The resource's unique name; the SCIM layer has checked it is present, the key size is ours. */
export function nameOf(kind: ResourceKind<StoredResource>, resource: JsonObject): string {
  const name = resource[kind.nameAttribute];
  if (typeof name !== 'string' || kind.isMissingName(name)) {
    throw new DomainError('invalidValue', `${kind.nameAttribute} is required`);
  }
  if (byteLength(nameKey(name)) > kind.maxNameBytes) {
    throw new DomainError(
      'invalidValue',
      `${kind.nameAttribute} must be at most ${kind.maxNameBytes} bytes long`,
    );
  }
  return name;
}

/** The name a stored resource holds (its guard's key), without checks. */
export const storedNameOf = (kind: ResourceKind<StoredResource>, stored: StoredResource): string =>
  String(stored.resource[kind.nameAttribute] ?? '');

export function externalIdOf(resource: JsonObject): string | undefined {
  const externalId = resource.externalId;
  if (typeof externalId !== 'string' || externalId === '') return undefined;
  if (byteLength(externalId) > MAX_EXTERNAL_ID_BYTES) {
    throw new DomainError('invalidValue', `externalId must be at most ${MAX_EXTERNAL_ID_BYTES} bytes long`);
  }
  return externalId;
}

/** The stored item of a resource; `extra` holds the fields only this kind has. */
export function resourceItem(
  kind: ResourceKind<StoredResource>,
  tenant: string,
  stored: StoredResource,
  extra: StoredItem = {},
): StoredItem {
  const name = nameOf(kind, stored.resource);
  const externalId = externalIdOf(stored.resource);
  return {
    ...kind.key(tenant, stored.id),
    type: kind.itemType,
    tenant,
    id: stored.id,
    version: stored.version,
    ...extra,
    created: stored.created,
    lastModified: stored.lastModified,
    resource: stored.resource,
    GSI1PK: kind.listingPk(tenant),
    GSI1SK: stored.id,
    // Sparse: only resources with an externalId appear in the lookup index.
    ...(externalId !== undefined ? { GSI2PK: kind.externalIdPk(tenant, externalId), GSI2SK: stored.id } : {}),
    GSI3PK: kind.namesPk(tenant),
    GSI3SK: nameKey(name),
  };
}

/** The fields every resource item has, read back; undefined for anything malformed. */
export function storedResourceOf(
  kind: ResourceKind<StoredResource>,
  item: StoredItem | undefined,
): StoredResource | undefined {
  if (!item || item.type !== kind.itemType) return undefined;
  const { id, version, created, lastModified, resource } = item;
  if (typeof id !== 'string' || typeof version !== 'number') return undefined;
  if (typeof created !== 'string' || typeof lastModified !== 'string') return undefined;
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) return undefined;
  return { id, version, created, lastModified, resource: resource as JsonObject };
}

export function nameGuardItem(
  kind: ResourceKind<StoredResource>,
  tenant: string,
  name: string,
  id: string,
): StoredItem {
  return { ...kind.nameKey(tenant, name), type: kind.guardType, tenant, [kind.guardOwner]: id };
}

/** The role of a name guard that must not exist yet. */
function duplicateName(kind: ResourceKind<StoredResource>, name: string): ItemRole {
  return {
    kind: 'unique',
    detail: `A ${kind.noun} with ${kind.nameAttribute} "${clipped(name)}" already exists`,
  };
}

/** A condition that holds when the guard of `name` is missing or is this resource's own. */
function ownGuardCondition(kind: ResourceKind<StoredResource>, id: string) {
  return {
    ConditionExpression: `attribute_not_exists(PK) OR ${kind.guardOwner} = :id`,
    ExpressionAttributeValues: { ':id': id },
  };
}

/** Deletes the guard of `name`, unless another resource holds it (a missing one is nothing). */
function releaseNameAction(ctx: StoreContext, kind: ResourceKind<StoredResource>, name: string, id: string) {
  return {
    Delete: { TableName: ctx.tableName, Key: kind.nameKey(ctx.tenant, name), ...ownGuardCondition(kind, id) },
  };
}

/**
 * One TransactWriteItems; a cancelled one becomes the domain error of the first failed
 * condition, read against `roles` (one role per action, in order).
 */
async function transact(
  ctx: StoreContext,
  actions: readonly TransactItem[],
  resourceId: string,
  roles: Parameters<typeof translateConditionFailure>[1],
): Promise<void> {
  try {
    await sendTransaction(ctx, actions, resourceId);
  } catch (error) {
    translateConditionFailure(error, roles);
  }
}

/**
 * Creates the resource item and its name guard (plus `extraActions`, unconditional) in one
 * transaction. Parallel creates of one name collide as TransactionConflict; once the winner has
 * committed, a retry meets its guard and reports uniqueness.
 */
export async function createWithNameGuard(
  ctx: StoreContext,
  kind: ResourceKind<StoredResource>,
  item: StoredItem,
  name: string,
  id: string,
  extraActions: readonly TransactItem[] = [],
): Promise<void> {
  const notThere = 'attribute_not_exists(PK)';
  const create = (): Promise<void> =>
    transact(
      ctx,
      [
        { Put: { TableName: ctx.tableName, Item: item, ConditionExpression: notThere } },
        {
          Put: {
            TableName: ctx.tableName,
            Item: nameGuardItem(kind, ctx.tenant, name, id),
            ConditionExpression: notThere,
          },
        },
        ...extraActions,
      ],
      id,
      [{ kind: 'other' }, duplicateName(kind, name)],
    );
  await retry(CREATE_RACE_RETRY, create, { retryIf: (error) => isDomainError(error, 'versionConflict') });
}

/**
 * Writes `resourceAction` (the resource's conditional Put or Update) and moves the name guard
 * from `oldName` to `newName` in one transaction. The new guard may already be ours (a
 * concurrent rename to the same name won): then only the version condition fails, a retryable
 * race, not a false uniqueness.
 */
export async function writeWithRename(
  ctx: StoreContext,
  kind: ResourceKind<StoredResource>,
  resourceAction: TransactItem,
  id: string,
  names: { readonly oldName: string; readonly newName: string },
  extraActions: readonly TransactItem[] = [],
): Promise<void> {
  const newGuard = {
    TableName: ctx.tableName,
    Item: nameGuardItem(kind, ctx.tenant, names.newName, id),
    ...ownGuardCondition(kind, id),
  };
  await transact(
    ctx,
    [resourceAction, { Put: newGuard }, releaseNameAction(ctx, kind, names.oldName, id), ...extraActions],
    id,
    [{ kind: 'version' }, duplicateName(kind, names.newName), { kind: 'other' }],
  );
}

/**
 * Deletes the resource item (conditional on `versionCondition`) and its name guard in one
 * transaction, so a concurrent rename cannot leave a guard behind; a lost race is a
 * versionConflict.
 */
export async function deleteWithNameGuard(
  ctx: StoreContext,
  kind: ResourceKind<StoredResource>,
  current: StoredResource,
  versionCondition: { readonly attribute: string; readonly value: number },
  extraActions: readonly TransactItem[] = [],
): Promise<void> {
  const resourceDelete = {
    TableName: ctx.tableName,
    Key: kind.key(ctx.tenant, current.id),
    ConditionExpression: `${versionCondition.attribute} = :v`,
    ExpressionAttributeValues: { ':v': versionCondition.value },
  };
  await transact(
    ctx,
    [
      { Delete: resourceDelete },
      releaseNameAction(ctx, kind, storedNameOf(kind, current), current.id),
      ...extraActions,
    ],
    current.id,
    [{ kind: 'version' }, { kind: 'other' }],
  );
}

/** One GetItem, strongly consistent by default. */
async function readItem(
  ctx: Omit<StoreContext, 'tenant'>,
  key: TableKey,
  consistent = true,
): Promise<StoredItem | undefined> {
  const result = await ctx.db.send(
    new GetCommand({ TableName: ctx.tableName, Key: key, ConsistentRead: consistent }),
  );
  return result.Item;
}

/** A resource's item as stored, attributes beyond the resource's included. */
export async function getResourceItem<R extends StoredResource>(
  ctx: StoreContext,
  kind: ResourceKind<R>,
  id: string,
  consistent = true,
): Promise<StoredItem | undefined> {
  return isResourceId(id) ? readItem(ctx, kind.key(ctx.tenant, id), consistent) : undefined;
}

export async function getResource<R extends StoredResource>(
  ctx: StoreContext,
  kind: ResourceKind<R>,
  id: string,
  consistent = true,
): Promise<R | undefined> {
  return kind.fromItem(await getResourceItem(ctx, kind, id, consistent));
}

/**
 * `<name> eq "x"`: the guard is read strongly consistently (so a look-up right after a create,
 * or a retried create, finds it), then the resource it points to.
 */
async function getResourceByName<R extends StoredResource>(
  ctx: StoreContext,
  kind: ResourceKind<R>,
  name: string,
): Promise<R | undefined> {
  if (!isStorableName(kind, name)) return undefined;
  const guard = await readItem(ctx, kind.nameKey(ctx.tenant, name));
  const owner = guard?.[kind.guardOwner];
  if (typeof owner !== 'string') return undefined;
  const found = await getResource(ctx, kind, owner);
  // A guard and its resource are written together; a mismatch means a rename is in flight.
  return found && isSameName(storedNameOf(kind, found), name) ? found : undefined;
}

/** `externalId eq "x"`: a Query of the sparse GSI2 partition, never a scan. */
async function findResourcesByExternalId<R extends StoredResource>(
  ctx: StoreContext,
  kind: ResourceKind<R>,
  externalId: string,
): Promise<R[]> {
  if (externalId === '' || byteLength(externalId) > MAX_EXTERNAL_ID_BYTES) return [];
  // externalId is not unique; a client that gave thousands of resources one value gets tooMany.
  const items = await queryIndexPartition(ctx, LOOKUP_INDEX, kind.externalIdPk(ctx.tenant, externalId), {
    tooManyDetail: `More than ${MAX_EXAMINED_ITEMS} ${kind.noun}s share this externalId`,
  });
  // The index is eventually consistent: re-check the value against the item itself.
  return items
    .map(kind.fromItem)
    .filter((found): found is R => found !== undefined && found.resource.externalId === externalId);
}

/**
 * `<name> sw "x"`: a `begins_with` Query of the tenant's name index (GSI3, folded names in
 * order), bounded like any walk. The index is eventually consistent: each item is re-checked
 * against its own name.
 */
async function findResourcesByNamePrefix<R extends StoredResource>(
  ctx: StoreContext,
  kind: ResourceKind<R>,
  prefix: string,
): Promise<R[]> {
  const folded = nameKey(prefix);
  if (!isStorableName(kind, folded)) return [];
  const items = await queryIndexPartition(ctx, NAME_INDEX, kind.namesPk(ctx.tenant), {
    sortKeyPrefix: folded,
    tooManyDetail: `More than ${MAX_EXAMINED_ITEMS} ${kind.noun} ${kind.nameAttribute}s start with that prefix; narrow it`,
  });
  return items
    .map(kind.fromItem)
    .filter(
      (found): found is R => found !== undefined && nameKey(storedNameOf(kind, found)).startsWith(folded),
    );
}

function resourceListing(ctx: StoreContext, kind: ResourceKind<StoredResource>): ListingSource {
  return { db: ctx.db, tableName: ctx.tableName, partition: kind.listingPk(ctx.tenant) };
}

/** Resources of the tenant's listing that satisfy `keep` (bounded: tooMany past the limit). */
async function collectResources<R extends StoredResource>(
  ctx: StoreContext,
  kind: ResourceKind<R>,
  keep: (resource: R) => boolean,
  maxExamined?: number,
): Promise<R[]> {
  const items = await collectMatching(
    resourceListing(ctx, kind),
    (item) => {
      const found = kind.fromItem(item);
      return found !== undefined && keep(found);
    },
    maxExamined,
    () => readResourceCount(ctx.db, ctx.tableName, ctx.tenant, kind.counted),
  );
  return items.map((item) => kind.fromItem(item) as R);
}

/** The look-ups every resource type has, bound to its kind (the stores export one each). */
export interface ResourceReads<R extends StoredResource> {
  /** `<name> eq "x"`: the guard (strongly consistent), then the resource it points to. */
  readonly getByName: (ctx: StoreContext, name: string) => Promise<R | undefined>;
  /** `externalId eq "x"`: a Query of the sparse GSI2 partition, never a scan. */
  readonly findByExternalId: (ctx: StoreContext, externalId: string) => Promise<R[]>;
  /** `<name> sw "x"`: the name index (GSI3), never a walk of the listing. */
  readonly findByNamePrefix: (ctx: StoreContext, prefix: string) => Promise<R[]>;
  readonly listing: (ctx: StoreContext) => ListingSource;
  /** Resources of the tenant's listing that satisfy `keep` (bounded: tooMany past the limit). */
  readonly collect: (ctx: StoreContext, keep: (resource: R) => boolean, maxExamined?: number) => Promise<R[]>;
  readonly tableKey: (tenant: string, id: string) => TableKey;
  readonly fromItem: (item: StoredItem | undefined) => R | undefined;
  readonly counted: CountedResource;
}

export function resourceReads<R extends StoredResource>(kind: ResourceKind<R>): ResourceReads<R> {
  return {
    getByName: (ctx, name) => getResourceByName(ctx, kind, name),
    findByExternalId: (ctx, externalId) => findResourcesByExternalId(ctx, kind, externalId),
    findByNamePrefix: (ctx, prefix) => findResourcesByNamePrefix(ctx, kind, prefix),
    listing: (ctx) => resourceListing(ctx, kind),
    collect: (ctx, keep, maxExamined) => collectResources(ctx, kind, keep, maxExamined),
    tableKey: kind.key,
    fromItem: kind.fromItem,
    counted: kind.counted,
  };
}
