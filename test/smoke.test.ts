import { test } from 'node:test';
import assert from 'node:assert/strict';
import { version } from '../src/index.js';

test('the package exposes its version', () => {
  assert.match(version, /^\d+\.\d+\.\d+$/);
});
