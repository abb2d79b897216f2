// The `workerEntry` option: a bundled program points weft at its worker entry files.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { InvalidOptionError, Process, ProcessPool, Thread, ThreadPool } from '../src/index.js';

type EntryTasks = typeof import('./fixtures/entry/tasks.js');
const tasks = new URL('./fixtures/entry/tasks.ts', import.meta.url);
const workerEntry = {
  thread: new URL('./fixtures/entry/thread-entry.ts', import.meta.url),
  process: relative(process.cwd(), fileURLToPath(new URL('./fixtures/entry/process-entry.ts', import.meta.url))),
};

describe('workerEntry', () => {
  test('without it, workers start from weft\'s own entry files', async () => {
    for (const pool of [new ThreadPool<EntryTasks>(tasks, { size: 1 }), new ProcessPool<EntryTasks>(tasks, { size: 1 })]) {
      try {
        assert.equal(await pool.run('entry'), 'weft\'s own entry');
      } finally {
        await pool.close();
      }
    }
  });

  test('a ThreadPool and a Thread start from the thread entry it names (a file URL)', async () => {
    const pool = new ThreadPool<EntryTasks>(tasks, { size: 1, workerEntry });
    try {
      assert.equal(await pool.run('entry'), 'custom thread entry');
    } finally {
      await pool.close();
    }
    assert.equal(await new Thread<EntryTasks>(tasks, 'entry', [], { workerEntry }).start().join(), 'custom thread entry');
  });

  test('a ProcessPool and a Process start from the process entry it names (a relative path)', async () => {
    const pool = new ProcessPool<EntryTasks>(tasks, { size: 1, workerEntry });
    try {
      assert.equal(await pool.run('entry'), 'custom process entry');
    } finally {
      await pool.close();
    }
    assert.equal(await new Process<EntryTasks>(tasks, 'entry', [], { workerEntry }).start().join(), 'custom process entry');
  });

  test('each pool reads only its own kind: a ProcessPool ignores a thread entry', async () => {
    const pool = new ProcessPool<EntryTasks>(tasks, { size: 1, workerEntry: { thread: workerEntry.thread } });
    try {
      assert.equal(await pool.run('entry'), 'weft\'s own entry');
    } finally {
      await pool.close();
    }
  });

  test('a malformed or missing entry is an InvalidOptionError at construction, naming the option', () => {
    const cases: [unknown, RegExp][] = [
      [5, /^workerEntry must be an object/],
      [{ thread: '' }, /^workerEntry\.thread must be a path or a file URL/],
      [{ thread: 42 }, /^workerEntry\.thread must be a path or a file URL/],
      [{ thread: 'https://example.com/thread-entry.js' }, /^workerEntry\.thread must be a file/],
      [{ thread: '/no/such/dir/thread-entry.js' }, /^workerEntry\.thread names a file that does not exist: \/no\/such\/dir\/thread-entry\.js/],
    ];
    for (const [option, message] of cases) {
      assert.throws(() => new ThreadPool(tasks, { workerEntry: option as never }), (e: unknown) => e instanceof InvalidOptionError && e.code === 'ERR_WEFT_INVALID_OPTION' && message.test(e.message));
    }
    assert.throws(() => new ProcessPool(tasks, { workerEntry: { process: '/no/such/process-entry.js' } }), /^InvalidOptionError: workerEntry\.process names a file that does not exist/);
    assert.throws(() => new Process(tasks, 'entry', [], { workerEntry: { process: '/no/such/process-entry.js' } }).start(), InvalidOptionError);
  });
});
