/**
 * Terse builders for RFC 7643 §7 attribute definitions. Every characteristic is spelled out in
 * the resulting definition (what /Schemas serves and what validators read), but the schema
 * files only state where an attribute differs from the RFC 7643 §2.2 defaults, so the
 * definitions stay readable next to the RFC text they transcribe.
 */
import type { AttributeDefinition, AttributeType, SchemaDefinition } from './types';

/** Characteristics that may differ from the defaults; `name` and `type` are always given. */
export type AttributeOptions = Partial<Omit<AttributeDefinition, 'name' | 'type'>>;

/** RFC 7643 §2.2: unspecified characteristics take these values. */
export function attribute(
  name: string,
  type: AttributeType,
  options: AttributeOptions = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: options.multiValued ?? false,
    description: options.description ?? '',
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: options.returned ?? 'default',
    uniqueness: options.uniqueness ?? 'none',
    ...(options.canonicalValues ? { canonicalValues: options.canonicalValues } : {}),
    ...(options.referenceTypes ? { referenceTypes: options.referenceTypes } : {}),
    ...(options.subAttributes ? { subAttributes: options.subAttributes } : {}),
  };
}

export const str = (name: string, options?: AttributeOptions): AttributeDefinition =>
  attribute(name, 'string', options);

export const complex = (
  name: string,
  subAttributes: readonly AttributeDefinition[],
  options: AttributeOptions = {},
): AttributeDefinition => attribute(name, 'complex', { ...options, subAttributes });

/**
 * The sub-attributes RFC 7643 §2.4 gives every multi-valued complex attribute ("value",
 * "display", "type", "primary"), with the `value` type and `type` canonical values that vary
 * per attribute.
 */
export function multiValuedComplex(
  name: string,
  description: string,
  options: {
    valueType?: AttributeType;
    referenceTypes?: readonly string[];
    canonicalTypes?: readonly string[];
    mutability?: AttributeDefinition['mutability'];
  } = {},
): AttributeDefinition {
  const mutability = options.mutability ?? 'readWrite';
  return complex(
    name,
    [
      attribute('value', options.valueType ?? 'string', {
        description: `The value of ${name}.`,
        mutability,
        ...(options.referenceTypes ? { referenceTypes: options.referenceTypes } : {}),
      }),
      str('display', {
        description: 'A human-readable name, primarily used for display purposes.',
        mutability,
      }),
      str('type', {
        description: `A label indicating the function of the ${name} value.`,
        mutability,
        ...(options.canonicalTypes ? { canonicalValues: options.canonicalTypes } : {}),
      }),
      attribute('primary', 'boolean', {
        description: 'Indicates the preferred value; true at most once among the values.',
        mutability,
      }),
    ],
    { multiValued: true, description, mutability },
  );
}

/** A schema (RFC 7643 §7): its URN, name, description and attributes. */
export const schemaDefinition = (
  id: string,
  name: string,
  description: string,
  attributes: readonly AttributeDefinition[],
): SchemaDefinition => ({ id, name, description, attributes });

/** The attribute no two resources of a tenant may share (userName, Group displayName). */
export const uniqueName = (name: string, description: string): AttributeDefinition =>
  str(name, { description, required: true, uniqueness: 'server' });
