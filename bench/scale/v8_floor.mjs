// Scale benchmark, the floor of any Node async-iterator client (issue 12,
// case (a)): what V8 and Node's event loop alone cost to run N `for await`
// consumers of streamed tokens, with no network and no library. Run it with
// scripts/bench-scale, which puts it beside the Node SDK's column.
//
//   node bench/scale/v8_floor.mjs --n N [--tokens T] [--wakes W]
//
// N consumers each take T tokens (100) with `for await`, from a minimal async
// iterator (a buffer, and one parked next() resolved when tokens come) that
// is woken W times (80): once per event-loop turn a driver hands every parked
// iterator T / W new token strings, as the SDK's dispatcher does with what
// arrived since its last drain; the consumer takes them and parks again.
// W = 80 is what the SDK's streams need against realm-server at 1,000
// streams: counted on 2026-12-07 by instrumenting TokenStream.next(), on two
// machines of this kind, 77-82 wake-ups per 100-token stream at 1,000
// streams and 86-96 at 10,000 (the SDK's own extra wake-ups at 10,000 count
// against it, not the floor). The two columns then do comparable V8 work and
// differ by what the library adds.
//
// Why it matters: a parked consumer holds a promise, its resolving functions
// and the await's reaction. With thousands parked at once, each young-
// generation collection finds thousands of them alive and copies them, so
// V8's cost per stream grows with the number of streams. Any client built on
// async iterators pays it.
//
// Timed like scale.mjs's streams case: one warm-up wave of N, then at least 3
// measured waves (10,000 streams in all), each from the first consumer's
// start to the last one's end, all started at once; the median wave reported.
//
// Prints one line: RESULT lang=v8 case=streams key=value ...

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const n = arg('--n', 0);
const tokens = arg('--tokens', 100);
const wakes = arg('--wakes', 80);
if (!(Number.isInteger(n) && n > 0 && tokens > 0 && wakes >= 1 && wakes <= tokens)) {
  console.error('usage: node v8_floor.mjs --n N [--tokens T] [--wakes W (1..T)]');
  process.exit(2);
}

// The smallest iterator a streaming client can offer: buffered tokens are
// returned at once, an empty buffer parks the caller on a fresh promise.
class Tokens {
  constructor() {
    this.buf = [];
    this.head = 0;
    this.resolve = null;
    this.ended = false;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next() {
    if (this.head < this.buf.length) {
      const value = this.buf[this.head++];
      if (this.head === this.buf.length) {
        this.buf.length = 0;
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  push(value) {
    const resolve = this.resolve;
    if (resolve === null) {
      this.buf.push(value);
      return;
    }
    this.resolve = null;
    resolve({ value, done: false });
  }

  end() {
    this.ended = true;
    const resolve = this.resolve;
    if (resolve === null) return;
    this.resolve = null;
    resolve({ value: undefined, done: true });
  }
}

// Wakes run in rounds: a stream is woken when it has parked, with its next
// share of tokens (T spread over W wakes, the remainder on the first ones).
function wave() {
  const streams = Array.from({ length: n }, () => ({ it: new Tokens(), sent: 0, wakes: 0 }));
  let live = n;
  const drive = () => {
    for (const s of streams) {
      if (s.sent === tokens || s.it.resolve === null) continue;
      const share = Math.floor(tokens / wakes) + (s.wakes < tokens % wakes ? 1 : 0);
      s.wakes += 1;
      for (let k = 0; k < share; k++) s.it.push(`t${(s.sent + k) & 15}`);
      s.sent += share;
      if (s.sent === tokens) {
        s.it.end();
        live -= 1;
      }
    }
    if (live > 0) setImmediate(drive);
  };
  const consume = async (s) => {
    let count = 0;
    for await (const _ of s.it) count += 1;
    return count;
  };
  setImmediate(drive);
  return Promise.all(streams.map(consume));
}

await wave(); // warm-up: V8's heap sized for n streams
const times = [];
let ok = 0;
const measured = Math.max(3, Math.ceil(10000 / n)); // as scale.mjs's waves()
const cpu0 = process.cpuUsage();
for (let w = 0; w < measured; w++) {
  const t0 = performance.now();
  const counts = await wave();
  times.push((performance.now() - t0) / 1000);
  ok += counts.filter((c) => c === tokens).length;
}
const cpu = process.cpuUsage(cpu0);
const secs = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
const total = n * times.length;
const cpuS = (cpu.user + cpu.system) / 1e6 / times.length;
console.log(
  `RESULT lang=v8 case=streams n=${n} tokens=${tokens} wakes=${wakes} waves=${times.length} ok=${ok} ` +
    `failed=${total - ok} secs=${secs.toFixed(3)} us_per_stream=${((secs * 1e6) / n).toFixed(3)} ` +
    `cpu_s=${cpuS.toFixed(3)}`,
);
process.exitCode = ok === total ? 0 : 1;
