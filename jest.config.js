/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Jest's transform cache, kept out of the system temp folder.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // examples/consumer-app/main.ts imports the package by name; in the repository that is lib/.
  moduleNameMapper: { '^cdk8s-sglang-pd$': '<rootDir>/lib' },
  // Every test (and every process it starts) gets its temporary files in one fresh folder that
  // is removed at the end: cdk8s' Testing.app() and App() without an outdir leave cdk8s.outdir.*
  // folders behind.
  globalSetup: '<rootDir>/test/jest-global-setup.js',
  globalTeardown: '<rootDir>/test/jest-global-teardown.js',
};
