// Shared jest settings: swc transform (with decorator metadata) and the tsconfig path aliases.
const { compilerOptions } = require('./tsconfig.base.json');

// Nx's test, int and faults targets write each project's results to tmp/jest/<project>.<kind>.json (scripts/test.sh sums them).
require('node:fs').mkdirSync(require('node:path').join(__dirname, 'tmp', 'jest'), { recursive: true });

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias.replace('/', '\\/')}$`, `<rootDir>/${target}`]),
);

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        // Not .swcrc: it is the build's (it excludes spec files from dist).
        swcrc: false,
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.stack/', '<rootDir>/.nx/'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.stack/'],
};
