// Integration tests: `*.int-spec.ts`, against the real local stack (`npm run stack -- up`).
// One suite at a time: fault tests kill and restart shared servers.
module.exports = {
  ...require('./jest.preset'),
  displayName: 'integration',
  testMatch: ['<rootDir>/{apps,libs,infra,e2e}/**/*.int-spec.ts'],
  testTimeout: 120000,
  // Suites share the stack: one at a time. Each runs in a fresh worker (recycled after every file),
  // so no suite inherits another's open sockets, timers or module state.
  maxWorkers: 1,
  workerIdleMemoryLimit: '1MB',
  slowTestThreshold: 30,
  globalSetup: '<rootDir>/e2e/support/src/jest-global-setup.js',
  // Fault suites run separately (jest.faults.config.js).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.stack/', '\\.faults\\.int-spec\\.ts$'],
};
