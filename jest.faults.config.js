// Fault suites that kill ZooKeeper servers: run last, in a Jest process of their own
// (after such faults the zookeeper addon may fail to open new handles in the same
// process; see docs/adr/0003).
module.exports = {
  ...require('./jest.int.config'),
  displayName: 'faults',
  testMatch: ['<rootDir>/e2e/**/*.faults.int-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.stack/'],
};
