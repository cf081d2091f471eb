// Unit tests: `*.spec.ts` beside the code; no servers.
module.exports = {
  ...require('./jest.preset'),
  displayName: 'unit',
  testMatch: ['<rootDir>/{apps,libs,infra,tools,bench}/**/*.spec.ts'],
};
