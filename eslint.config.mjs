import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '*.js', '*.mjs', '*.cjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      // Type-aware rules: each file with the types of its nearest tsconfig.json (the root one,
      // or web/console's), as tsc sees them.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      // A type-only import says so (`import type`): it loads nothing at run time. Files with
      // decorators are exempt (emitDecoratorMetadata: their constructor types are values).
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      // Methods that implement a Promise-returning port (codecs, hooks, lifecycle, lag probes)
      // stay async without an await, so that what they throw reaches the caller as a rejection.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: [
      '**/*.spec.ts',
      '**/*.testing.ts',
      '**/testing/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.ts',
    ],
    // Response bodies in tests are JSON of any shape; the assertions give them their types.
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // The same any bodies, read field by field: every access would need a cast.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // expect(mock.method) and friends pass methods unbound on purpose.
      '@typescript-eslint/unbound-method': 'off',
      // Messages and URLs built from values a test or script just checked.
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/restrict-plus-operands': 'off',
      // csv-parse's overloads: the rule wants type arguments where they cannot be given.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Component props are plain objects: a callback destructured from them never uses `this`.
    files: ['web/console/src/**/*.tsx'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // Plain JavaScript has no types to check.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The test watchdog runs before Jest, and the Node version check before `npm start` and
    // `npm test`, as plain CommonJS on Node (they must not need a build).
    files: ['test/watchdog/**/*.js', 'scripts/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        test: 'readonly',
        expect: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off' },
  },
);
