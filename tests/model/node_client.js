// The Node SDK against a real model server, driven by test_real_model.py.
//   node node_client.js URL MODEL MODE PROMPT MAX_TOKENS
// MODE: generate (one non-streamed call), stream (one stream), pair (two
// streams at once), cancel (leaves the loop after 3 tokens; "processing" is
// the server's requests_processing metric just before).
// Prints one JSON line: {"texts": [...], "tokens": [[...], ...]}, or
// {"error": {"code", "message"}} and exits 1.
"use strict";
const path = require("node:path");
const { RealmWebSocketClient } = require(path.join(__dirname, "..", "..", "node"));

async function main() {
  const [url, model, mode, prompt, maxTokens] = process.argv.slice(2);
  const client = new RealmWebSocketClient({ url, model, timeout: 60000 });
  await client.connect();
  const opts = { prompt, max_tokens: Number(maxTokens), temperature: 0 };
  const stream = async () => {
    const tokens = [];
    for await (const t of client.generateStream(opts)) tokens.push(t);
    return tokens;
  };
  let out;
  if (mode === "generate") {
    const r = await client.generate(opts);
    out = { texts: [r.text], tokens: [] };
  } else if (mode === "stream") {
    const t = await stream();
    out = { texts: [t.join("")], tokens: [t] };
  } else if (mode === "pair") {
    const all = await Promise.all([stream(), stream()]);
    out = { texts: all.map((t) => t.join("")), tokens: all };
  } else if (mode === "cancel") {
    const tokens = [];
    let processing = null;
    for await (const t of client.generateStream(opts)) {
      tokens.push(t);
      if (tokens.length === 3) {
        const m = await (await fetch(new URL("/metrics", url))).text();
        processing = Number(/^llamacpp:requests_processing (\S+)/m.exec(m)[1]);
        break; // calls the iterator's return(): cancels the request
      }
    }
    out = { texts: [tokens.join("")], tokens: [tokens], processing };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  await client.disconnect();
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ error: { code: e.code || null, message: String(e.message) } }) + "\n");
  process.exit(1);
});
