/**
 * IAM patterns (dynamodb:LeadingKeys) of the table's partition keys, for roles that may touch
 * only some partitions: the stream consumer (change-events.ts) and the change feed's function
 * (scim-function.ts). test/infra checks each against the key builders of lambdas/store/keys.ts.
 */

/** Every tenant's feed partition (`T#<tenant>#FEED`: the counter and the entries). */
export const FEED_PARTITIONS = 'T#*#FEED';
/** Every tenant's activity day partition (`T#<tenant>#ACT#<day>`). */
export const ACTIVITY_PARTITIONS = 'T#*#ACT#*';
/** The user and group partitions (`T#<tenant>#U#<id>`, `T#<tenant>#G#<id>`), for the orphan clean-up. */
export const USER_PARTITIONS = 'T#*#U#*';
export const GROUP_PARTITIONS = 'T#*#G#*';
