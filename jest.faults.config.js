// Fault suites that kill ZooKeeper servers: run last, after every suite that needs a
// healthy ensemble (scripts/test.sh).
module.exports = {
  ...require('./jest.int.config'),
  displayName: 'faults',
  testMatch: ['<rootDir>/e2e/**/*.faults.int-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.stack/'],
};
