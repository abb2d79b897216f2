// The 'char' element type: one byte, read as a 1-character string (Python's Value('c') / Array('c')).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedValue, SharedArray, RawValue, reviveShared, InvalidArgumentError } from '../../src/shared/index.js';
import { runScenario } from './fixtures/spawn.js';

const invalid = (fn: () => unknown, message: RegExp): void =>
  assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && e.code === 'ERR_WEFT_INVALID_ARGUMENT' && message.test(e.message));

test("a 'char' value reads as a 1-character string and takes a character or its byte code", () => {
  const v = new SharedValue('char', 'x');
  assert.equal(v.get(), 'x');
  v.set('\xff');
  assert.equal(v.value, '\xff');
  v.value = 65;
  assert.equal(v.get(), 'A');
  assert.ok(v.view instanceof Uint8Array);
  assert.equal(v.view[0], 65);
  assert.equal(new SharedValue('char').get(), '\0');
  assert.equal(RawValue('char', 'q').get(), 'q');
});

test("a 'char' value exchanges and compare-exchanges characters atomically", () => {
  const v = new SharedValue('char', 'a');
  assert.equal(v.exchange('b'), 'a');
  assert.equal(v.compareExchange('x', 'c'), 'b');
  assert.equal(v.get(), 'b');
  assert.equal(v.compareExchange('b', 'c'), 'b');
  assert.equal(v.get(), 'c');
  assert.equal(v.compareExchange(99, 100), 'c');
  assert.equal(v.get(), 'd');
});

test("a 'char' refuses anything but one byte, with InvalidArgumentError", () => {
  const v = new SharedValue('char', 'x');
  invalid(() => v.set('ab'), /one byte.*a string of length 2/);
  invalid(() => v.set(''), /a string of length 0/);
  invalid(() => v.set('€'), /"€" \(code 8364\)/);
  invalid(() => v.set(256), /the number 256/);
  invalid(() => v.set(-1), /the number -1/);
  invalid(() => v.set(1.5), /the number 1.5/);
  invalid(() => v.set(null as unknown as string), /got null/);
  invalid(() => v.set(true as unknown as string), /a value of type boolean/);
  invalid(() => new SharedValue('char', 'too long'), /a string of length 8/);
  invalid(() => v.exchange('no'), /one byte/);
  assert.equal(v.get(), 'x', 'a refused write changes nothing');
});

test("a 'char' has no arithmetic: add and sub throw InvalidArgumentError", () => {
  const v = new SharedValue('char', 'a');
  // @ts-expect-error: add() takes `never` on a 'char' value, so this is a compile error too
  invalid(() => v.add(1), /add\(\) on a 'char' element.*'uint8'/);
  invalid(() => v.sub(1 as never), /sub\(\) on a 'char' element/);
  const a = new SharedArray('char', 'ab');
  invalid(() => a.add(0, 1 as never), /add\(\)/);
  assert.equal(v.get(), 'a');
  assert.equal(a.get(0), 'a');
});

test("a 'char' array is made from a string or bytes and reads as text up to the first NUL", () => {
  const a = new SharedArray('char', 'hello');
  assert.equal(a.length, 5);
  assert.equal(a.string, 'hello');
  assert.deepEqual(a.toArray(), ['h', 'e', 'l', 'l', 'o']);
  assert.ok(a.view instanceof Uint8Array);
  const b = new SharedArray('char', Buffer.from([104, 105, 0, 33]));
  assert.equal(b.string, 'hi');
  assert.deepEqual([...b.bytes()], [104, 105, 0, 33]);
  assert.ok(Buffer.isBuffer(b.bytes()));
  assert.equal(new SharedArray('char', 3).string, '');
  invalid(() => new SharedArray('char', 'naïve€'), /code 8364/);
});

test("assigning a 'char' array's string writes the bytes and a NUL after them when there is room", () => {
  const a = new SharedArray('char', 'abcdef');
  a.string = 'xy';
  assert.equal(a.string, 'xy');
  assert.deepEqual([...a.bytes()], [120, 121, 0, 100, 101, 102]);
  a.string = 'uvwxyz';
  assert.equal(a.string, 'uvwxyz');
  a.string = '\xe9t\xe9';
  assert.equal(a.string, 'été');
  assert.deepEqual([...a.bytes()].slice(0, 4), [0xe9, 0x74, 0xe9, 0]);
  invalid(() => (a.string = 'seven!!'), /7 characters does not fit.*length 6/);
  invalid(() => (a.string = 'a€'), /code 8364/);
  assert.equal(a.string, 'été', 'a refused string writes nothing');
});

test("string is for 'char' arrays only; bytes() copies any array's memory", () => {
  const a = new SharedArray('int16', [1, -1]);
  invalid(() => a.string, /for 'char' arrays; this one holds int16/);
  const raw = a.bytes();
  assert.equal(raw.length, 4);
  raw[0] = 9;
  assert.equal(a.get(0), 1, 'bytes() is a copy');
});

test("a worker sees the same 'char' bytes, and the bytes it writes", async () => {
  const value = new SharedValue('char', 'c');
  const array = new SharedArray('char', 8);
  array.string = 'weft';
  assert.deepEqual(await runScenario('charEcho', { value, array }), {
    value: 'c', string: 'weft', bytes: [119, 101, 102, 116, 0, 0, 0, 0], chars: ['w', 'e', 'f', 't', '\0', '\0', '\0', '\0'],
  });
  assert.equal(value.get(), 'z');
  assert.equal(array.string, 'JS');
  assert.deepEqual([...array.bytes()].slice(0, 5), [74, 83, 0, 116, 0]);
  const revived = reviveShared(structuredClone(array)) as SharedArray<'char'>;
  assert.equal(revived.type, 'char');
  assert.equal(revived.string, 'JS');
});
