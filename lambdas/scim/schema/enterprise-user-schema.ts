/**
 * The Enterprise User extension, RFC 7643 §4.3 with the characteristics of §8.7.1. Entra lists
 * it in every create and patches its attributes by URN-qualified path.
 */
import { attribute, complex, schemaDefinition, str } from './attribute-builders';

export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export const enterpriseUserSchema = schemaDefinition(
  ENTERPRISE_USER_SCHEMA,
  'EnterpriseUser',
  'Enterprise User',
  [
    str('employeeNumber', { description: 'Identifier assigned to the user by the organization.' }),
    str('costCenter', { description: 'Name of a cost center.' }),
    str('organization', { description: 'Name of an organization.' }),
    str('division', { description: 'Name of a division.' }),
    str('department', { description: 'Name of a department.' }),
    complex(
      'manager',
      [
        str('value', { description: "The id of the manager's User resource." }),
        attribute('$ref', 'reference', {
          description: "The URI of the manager's User resource.",
          referenceTypes: ['User'],
        }),
        str('displayName', { description: "The manager's display name.", mutability: 'readOnly' }),
      ],
      { description: "The user's manager." },
    ),
  ],
);
