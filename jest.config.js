/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  // Class fields as assignments, as tsconfig.json and the runner's bundle have them.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', transform: { useDefineForClassFields: false } } }] },
};
