/**
 * Generates the JSON Schema (draft-07, compiled by ajv: validators.ts) that validates a
 * canonicalised resource body of one resource type, from the registry's definitions. Generated
 * rather than written by hand so a configured extension is validated exactly like the built-in
 * schemas and the validators can never drift from /Schemas.
 *
 * Only client-writable attributes appear: read-only and never-returned attributes have been
 * dropped before validation (resource-input.ts), so they need no rule here. A subschema used
 * more than once (a plain string, the value/display/type/primary item of emails, phoneNumbers,
 * ims…) is written once under `definitions` and referenced: ajv, with inlineRefs off, compiles
 * it into one function instead of one copy per use, which halves the generated code.
 */
import type { ResourceSchemas } from './registry';
import type { AttributeDefinition } from './types';

/** Largest string accepted in any attribute (code points). */
export const MAX_STRING_LENGTH = 65_536;

/** xsd:dateTime (RFC 7643 §2.3.5), with optional fraction and offset. */
const DATE_TIME_PATTERN =
  '^-?\\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})?$';

/** A JSON Schema node: type, properties, required, items, maxLength, minLength, pattern, $ref, definitions. */
export type JsonSchemaNode = Record<string, unknown>;

export function isWritable(definition: AttributeDefinition): boolean {
  return definition.mutability !== 'readOnly' && definition.returned !== 'never';
}

export function resourceJsonSchema(schemas: ResourceSchemas): JsonSchemaNode {
  const properties: Record<string, JsonSchemaNode> = {
    externalId: { type: 'string', maxLength: MAX_STRING_LENGTH },
  };
  const required: string[] = [];
  addAttributes(schemas.core.attributes, properties, required);
  for (const { schema, required: extensionRequired } of schemas.extensions) {
    const extProperties: Record<string, JsonSchemaNode> = {};
    const extRequired: string[] = [];
    addAttributes(schema.attributes, extProperties, extRequired);
    properties[schema.id] = objectSchema(extProperties, extRequired);
    if (extensionRequired) required.push(schema.id);
  }
  return shareRepeatedSubschemas(objectSchema(properties, required));
}

function addAttributes(
  attributes: readonly AttributeDefinition[],
  properties: Record<string, JsonSchemaNode>,
  required: string[],
): void {
  for (const attribute of attributes) {
    if (!isWritable(attribute)) continue;
    properties[attribute.name] = attributeSchema(attribute);
    if (attribute.required) required.push(attribute.name);
  }
}

function attributeSchema(attribute: AttributeDefinition): JsonSchemaNode {
  const single = singleValueSchema(attribute);
  return attribute.multiValued ? { type: 'array', items: single } : single;
}

function singleValueSchema(attribute: AttributeDefinition): JsonSchemaNode {
  switch (attribute.type) {
    case 'string':
    case 'reference':
    case 'binary':
      return {
        type: 'string',
        maxLength: MAX_STRING_LENGTH,
        // RFC 7643 §2.5: an empty value is no value; a required attribute needs a real one.
        ...(attribute.required ? { minLength: 1 } : {}),
      };
    case 'dateTime':
      return { type: 'string', pattern: DATE_TIME_PATTERN };
    case 'boolean':
      return { type: 'boolean' };
    case 'decimal':
      return { type: 'number' };
    case 'integer':
      return { type: 'integer' };
    case 'complex': {
      const properties: Record<string, JsonSchemaNode> = {};
      const required: string[] = [];
      addAttributes(attribute.subAttributes ?? [], properties, required);
      return objectSchema(properties, required);
    }
  }
}

function objectSchema(properties: Record<string, JsonSchemaNode>, required: string[]): JsonSchemaNode {
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

/**
 * Moves every subschema that occurs more than once (compared by its JSON text) and carries more
 * than a bare `type` into `definitions`, replacing each occurrence by a `$ref`. Occurrences inside
 * an already repeated subschema are counted once, so only the outermost repeated node is shared.
 */
function shareRepeatedSubschemas(root: JsonSchemaNode): JsonSchemaNode {
  const counts = new Map<string, number>();
  const count = (node: JsonSchemaNode): void => {
    const key = JSON.stringify(node);
    const seen = counts.get(key) ?? 0;
    counts.set(key, seen + 1);
    if (seen === 0) forEachChild(node, count);
  };
  forEachChild(root, count);

  const names = new Map<string, string>();
  const definitions: Record<string, JsonSchemaNode> = {};
  const rewrite = (node: JsonSchemaNode): JsonSchemaNode => {
    const key = JSON.stringify(node);
    if ((counts.get(key) ?? 0) < 2 || Object.keys(node).length < 2) return mapChildren(node, rewrite);
    let name = names.get(key);
    if (name === undefined) {
      name = `s${names.size}`;
      names.set(key, name);
      definitions[name] = mapChildren(node, rewrite);
    }
    return { $ref: `#/definitions/${name}` };
  };
  const shared = mapChildren(root, rewrite);
  return names.size > 0 ? { ...shared, definitions } : shared;
}

function forEachChild(node: JsonSchemaNode, visit: (child: JsonSchemaNode) => void): void {
  for (const child of Object.values((node.properties ?? {}) as Record<string, JsonSchemaNode>)) visit(child);
  if (node.items !== undefined) visit(node.items as JsonSchemaNode);
}

function mapChildren(node: JsonSchemaNode, map: (child: JsonSchemaNode) => JsonSchemaNode): JsonSchemaNode {
  const out: JsonSchemaNode = { ...node };
  if (node.properties !== undefined) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties as Record<string, JsonSchemaNode>).map(([name, child]) => [
        name,
        map(child),
      ]),
    );
  }
  if (node.items !== undefined) out.items = map(node.items as JsonSchemaNode);
  return out;
}
