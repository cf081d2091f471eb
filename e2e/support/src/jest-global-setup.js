// Integration tests need the real local stack; fail at once, with the fix, when it is not up.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function globalSetup() {
  const root = join(__dirname, '..', '..', '..');
  try {
    execFileSync('npx', ['tsx', 'infra/stack/src/cli.ts', 'running'], { cwd: root, stdio: 'ignore' });
  } catch {
    throw new Error('The local stack is not running. Start it with `npm run stack -- up` (npm test does this for you).');
  }
};
