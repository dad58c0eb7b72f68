/** The dial scheduler's queues: a min-heap on due time and a FIFO, both O(log n) / O(1) amortised. */

export interface HeapItem<T> {
  at: number;
  st: T;
}

/** Binary min-heap on `at` (ties in insertion order). */
export class TimeHeap<T> {
  private items: (HeapItem<T> & { seq: number })[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): HeapItem<T> | undefined {
    return this.items[0];
  }

  push(at: number, st: T): void {
    const a = this.items;
    a.push({ at, st, seq: this.seq++ });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): HeapItem<T> | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(l, m)) m = l;
        if (r < a.length && this.less(r, m)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  private less(i: number, j: number): boolean {
    const a = this.items[i]!;
    const b = this.items[j]!;
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

/** FIFO with O(1) amortised shift (and unshift after a shift). */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(st: T): void {
    this.items.push(st);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const st = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return st;
  }

  unshift(st: T): void {
    if (this.head > 0) this.items[--this.head] = st;
    else this.items.unshift(st);
  }
}
