// weft's frame channel to a child process (src/backends/process-channel.ts), fed the bytes of
// its own frames cut at every possible place, as a pipe may deliver them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { FrameChannel } from '../../src/backends/process-channel.js';

/** A socket that records what is written and delivers what the test feeds it. */
function fakeSocket(): { socket: Socket; written: Buffer[]; feed(chunk: Buffer): void } {
  const emitter = new EventEmitter();
  const written: Buffer[] = [];
  const socket = Object.assign(emitter, { destroyed: false, write: (b: Buffer) => (written.push(Buffer.from(b)), true) }) as unknown as Socket;
  return { socket, written, feed: (chunk) => emitter.emit('data', chunk) };
}

const messages: unknown[] = [
  'L12,0,n12',
  '[1,4,"echo",5]',
  'é ✓ 𝄞',
  [1, 'two', { three: [3] }],
  { cancel: 7 },
  new Map<unknown, unknown>([[1, new Set([2n])], ['d', new Date(0)]]),
  new Uint8Array([1, 2, 3]),
  new Float64Array([1.5, -0]),
  Buffer.from('buffer'),
  'x'.repeat(100_000),
  Array.from({ length: 20_000 }, (_, i) => i * 1.5),
];

function framesOf(list: unknown[]): Buffer {
  const out = fakeSocket();
  const channel = new FrameChannel(out.socket);
  for (const m of list) channel.send(m);
  return Buffer.concat(out.written);
}

function receive(chunks: Buffer[]): unknown[] {
  const inbox = fakeSocket();
  const got: unknown[] = [];
  new FrameChannel(inbox.socket).onMessage((m) => got.push(m));
  for (const c of chunks) inbox.feed(c);
  return got;
}

test('every message comes through whole and in order when all frames arrive in one chunk', () => {
  assert.deepStrictEqual(receive([framesOf(messages)]), messages);
});

test('every message comes through when the bytes arrive cut at every offset of the small frames', () => {
  const small = messages.slice(0, 9);
  const bytes = framesOf(small);
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepStrictEqual(receive([bytes.subarray(0, cut), bytes.subarray(cut)]), small, `cut at ${cut}`);
  }
});

test('large frames arriving a few bytes, then many kilobytes, at a time come through whole', () => {
  const bytes = framesOf(messages);
  for (const size of [1, 3, 4096, 65_536]) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
    assert.deepStrictEqual(receive(chunks), messages, `chunks of ${size}`);
  }
});

test('a value that cannot be cloned throws at send and writes nothing', () => {
  const out = fakeSocket();
  const channel = new FrameChannel(out.socket);
  assert.throws(() => channel.send({ f: () => {} }), /could not be cloned/);
  assert.equal(out.written.length, 0);
});
