/**
 * Attributes every resource carries outside its schemas (RFC 7643 §3.1): id, externalId, meta,
 * plus `schemas` itself (§3). They are not part of the schema documents served at /Schemas
 * (RFC 7643 §8.7.1 omits them too), but filters, sorting, PATCH and projection must know
 * their characteristics, so the registry resolves them from here.
 */
import { attribute, complex, str } from './attribute-builders';
import type { AttributeDefinition } from './types';

const idAttribute = str('id', {
  description: 'Server-assigned identifier of the resource.',
  caseExact: true,
  mutability: 'readOnly',
  returned: 'always',
  uniqueness: 'server',
});

const externalIdAttribute = str('externalId', {
  description: 'Identifier of the resource as defined by the provisioning client.',
  caseExact: true,
});

const metaAttribute = complex(
  'meta',
  [
    str('resourceType', {
      description: 'The name of the resource type.',
      caseExact: true,
      mutability: 'readOnly',
    }),
    attribute('created', 'dateTime', { description: 'When the resource was added.', mutability: 'readOnly' }),
    attribute('lastModified', 'dateTime', {
      description: 'When the resource was last changed.',
      mutability: 'readOnly',
    }),
    attribute('location', 'reference', {
      description: 'The URI of the resource.',
      caseExact: true,
      mutability: 'readOnly',
      referenceTypes: ['uri'],
    }),
    str('version', {
      description: 'The version (ETag) of the resource.',
      caseExact: true,
      mutability: 'readOnly',
    }),
  ],
  { description: 'Resource metadata.', mutability: 'readOnly' },
);

const schemasAttribute = attribute('schemas', 'reference', {
  description: 'The schema URNs the resource conforms to.',
  multiValued: true,
  required: true,
  caseExact: true,
  returned: 'always',
  referenceTypes: ['uri'],
});

export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [
  idAttribute,
  externalIdAttribute,
  metaAttribute,
  schemasAttribute,
];
