import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

/** Infra clients, each importable only inside the lib that owns it. */
const INFRA_CLIENTS = {
  kafkajs: 'libs/platform/messaging',
  ioredis: 'libs/platform/redis',
  typeorm: 'libs/platform/database',
  mysql2: 'libs/platform/database',
  'mysql2/promise': 'libs/platform/database',
};

const restrictClients = (allowed) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: Object.entries(INFRA_CLIENTS)
        .filter(([name]) => !allowed.includes(name))
        .map(([name, owner]) => ({ name, message: `import ${name} only inside ${owner} (use its public API).` })),
      patterns: [
        {
          group: ['kafkajs/*', 'ioredis/*', 'typeorm/*'],
          message: 'infra clients are imported only inside their owning lib.',
        },
      ],
    },
  ],
});

export default [
  { ignores: ['**/dist', '**/node_modules', '.stack/**', '.nx/**', 'tmp/**', 'coverage/**', 'bench/results/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [
            // Layers, bottom up: contracts < platform < domain < app; beside them the stack manager
            // (tool) and ops (stack control, seeding: what an app that runs experiments may use); on
            // top the load kit, the test kit, e2e suites and benchmarks. Nothing imports upwards.
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:contracts'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:platform', 'type:contracts'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:platform', 'type:domain', 'type:contracts', 'type:ops'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:tool', 'type:platform', 'type:contracts'] },
            { sourceTag: 'type:ops', onlyDependOnLibsWithTags: ['type:ops', 'type:tool', 'type:platform', 'type:contracts'] },
            { sourceTag: 'type:load', onlyDependOnLibsWithTags: ['type:load', 'type:ops', 'type:tool', 'type:platform', 'type:contracts'] },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:testing', 'type:ops', 'type:tool', 'type:platform', 'type:contracts'],
            },
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: ['type:testing', 'type:ops', 'type:tool', 'type:domain', 'type:platform', 'type:contracts'],
            },
            // Benchmarks drive domain code (the flash-sale strategies) directly.
            {
              sourceTag: 'type:bench',
              onlyDependOnLibsWithTags: ['type:load', 'type:ops', 'type:tool', 'type:domain', 'type:platform', 'type:contracts'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      ...restrictClients([]),
    },
  },
  { files: ['libs/platform/messaging/**/*.ts'], rules: restrictClients(['kafkajs']) },
  { files: ['libs/platform/redis/**/*.ts'], rules: restrictClients(['ioredis']) },
  { files: ['libs/platform/database/**/*.ts'], rules: restrictClients(['typeorm', 'mysql2', 'mysql2/promise']) },
  // The stack manager, its tests and the test kit check the real servers with their own clients;
  // the attack suite attacks them with raw clients, as an attacker would.
  {
    files: ['infra/**/*.ts', 'e2e/support/**/*.ts', 'e2e/stack-e2e/**/*.ts', 'e2e/security-e2e/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  prettier,
];
