/**
 * Runs the slowest test files first, so that neither worker sits idle while the other finishes a
 * long file. Jest orders files by the durations it recorded in earlier runs; a fresh clone has
 * none, and jest then orders by file size, which once left a 26 s fuzz file to start last.
 * ESTIMATED_SECONDS stands in for the recorded duration until there is one (seconds from
 * `npx jest --json` on the 2-core machine); a file not listed counts as 1 s. A stale estimate
 * only changes the order, never a result.
 */
const Sequencer = require('@jest/test-sequencer').default;

const ESTIMATED_SECONDS = {
  'test/infra/stack.test.ts': 30,
  'test/hardening/feed-model.test.ts': 29,
  'test/hardening/fuzz-bodies.test.ts': 26,
  'test/integration/service/users-email-index.test.ts': 22,
  'test/integration/service/groups-large.test.ts': 21,
  'test/browser/console.test.ts': 20,
  'test/integration/service/group-members-paging.test.ts': 18,
  'test/hardening/faults.test.ts': 16,
  'test/hardening/fuzz-filters-patch.test.ts': 15,
  'test/integration/service/users-paging.test.ts': 13,
  'test/hardening/security.test.ts': 12,
  'test/integration/cli/token-cli-moto.test.ts': 10,
  'test/hardening/model.test.ts': 9,
  'test/hardening/fuzz-requests.test.ts': 8,
  'test/e2e/scim-follow.test.ts': 8,
  'test/integration/service/groups-concurrency.test.ts': 7,
  'test/browser/console-feed.test.ts': 7,
};
const UNLISTED_SECONDS = 1;

class SlowestFirst extends Sequencer {
  time(test) {
    const recorded = super.time(test);
    if (recorded !== undefined && recorded !== null) return recorded;
    const listed = Object.entries(ESTIMATED_SECONDS).find(([file]) => test.path.endsWith(`/${file}`));
    return (listed ? listed[1] : UNLISTED_SECONDS) * 1000;
  }
}

module.exports = SlowestFirst;
