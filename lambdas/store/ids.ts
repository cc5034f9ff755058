/**
 * Resource ids are UUIDv7 (RFC 9562): time-ordered, so the listing index returns resources in
 * creation order and paging is stable without a separate sort key. Written here rather than
 * taken from `uuid` because current `uuid` releases are ESM-only and this is 15 lines.
 * isResourceId is the one check that a string can name a user or group at all.
 */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

export function uuidv7(now: number = Date.now()): string {
  // A 12-bit counter in rand_a keeps ids from one process strictly ordered within a millisecond.
  if (now <= lastMs) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMs += 1;
    now = lastMs;
  } else {
    lastMs = now;
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `id` has the shape of our ids; anything else names no resource and needs no read. */
export const isResourceId = (id: string): boolean => ID_PATTERN.test(id);
