/**
 * `scim-validators` in a bundle built without generated validators (lib/bundling.ts, when no
 * module is passed): loads fine, and fails by name if a handler in it ever validates a resource.
 */
import type { ValidatorFor } from './validator-contract';

export const validatorFor: ValidatorFor = (resourceType) => {
  throw new Error(
    `This bundle has no ${resourceType} validator: pass the module from lib/validators-build.ts to the bundling options`,
  );
};
