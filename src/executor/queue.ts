import { Deque } from '../deque.js';
import type { Task } from './task.js';

/**
 * The pool's pending tasks: FIFO within a priority, higher priorities first.
 * Priority 0 (the default) is a single deque, so the common case costs one push and one shift.
 */
export class TaskQueue {
  #levels = new Map<number, Deque<Task>>();
  /** Priorities present, highest first. */
  #order: number[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(task: Task): void {
    this.#level(task.priority).push(task);
    this.#length++;
  }

  /** Puts a task back at the head of its priority (a worker died before starting it). */
  unshift(task: Task): void {
    this.#level(task.priority).unshift(task);
    this.#length++;
  }

  peek(): Task | undefined {
    for (const p of this.#order) {
      const t = this.#levels.get(p)!.peek();
      if (t) return t;
    }
    return undefined;
  }

  shift(): Task | undefined {
    for (const p of this.#order) {
      const t = this.#levels.get(p)!.shift();
      if (t) {
        this.#length--;
        return t;
      }
    }
    return undefined;
  }

  remove(task: Task): boolean {
    const found = this.#levels.get(task.priority)?.remove(task) ?? false;
    if (found) this.#length--;
    return found;
  }

  /** Empties the queue, returning what it held (in order). */
  drain(): Task[] {
    const all: Task[] = [];
    for (const p of this.#order) all.push(...this.#levels.get(p)!);
    this.#levels.clear();
    this.#order = [];
    this.#length = 0;
    return all;
  }

  #level(priority: number): Deque<Task> {
    let level = this.#levels.get(priority);
    if (!level) {
      level = new Deque<Task>();
      this.#levels.set(priority, level);
      this.#order.push(priority);
      this.#order.sort((a, b) => b - a);
    }
    return level;
  }
}
