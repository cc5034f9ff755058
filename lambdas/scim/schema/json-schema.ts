/**
 * Generates the JSON Schema (draft-07; checked by json-schema-validator.ts, which matches ajv's errors) that validates a canonicalised resource
 * body of one resource type, from the registry's definitions. Generated rather than written by
 * hand so a configured extension is validated exactly like the built-in schemas and the
 * validators can never drift from /Schemas.
 *
 * Only client-writable attributes appear: read-only and never-returned attributes have been
 * dropped before validation (resource-input.ts), so they need no rule here.
 */
import type { ResourceSchemas } from './registry';
import type { AttributeDefinition } from './types';

/** Largest string accepted in any attribute (code points). */
export const MAX_STRING_LENGTH = 65_536;

/** xsd:dateTime (RFC 7643 §2.3.5), with optional fraction and offset. */
export const DATE_TIME_PATTERN =
  '^-?\\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})?$';

/** A JSON Schema node; a plain record kept to the seven keywords json-schema-validator.ts interprets. */
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
  return objectSchema(properties, required);
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
