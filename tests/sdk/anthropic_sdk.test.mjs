// The official Anthropic Node SDK, unchanged, against llm-schedulerd's Messages facade.
// Env: ROOT (http://127.0.0.1:PORT), TOKEN (operator), VIEWER (viewer token).
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({ baseURL: process.env.ROOT, apiKey: process.env.TOKEN, maxRetries: 0 });

const message = await client.messages.create({
  model: "demo", max_tokens: 256, system: "be brief", stop_sequences: ["END"], messages: [{ role: "user", content: "hello" }],
});
assert.equal(message.type, "message");
assert.equal(message.role, "assistant");
assert.match(message.id, /^msg_/);
assert.equal(message.content[0].type, "text");
assert.match(message.content[0].text, /Simulated answer/);
assert.equal(message.stop_reason, "end_turn");
assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);

// The raw event stream, in the official order.
const events = [];
let text = "";
for await (const event of await client.messages.create({
  model: "demo", max_tokens: 256, stream: true, messages: [{ role: "user", content: "stream please" }],
})) {
  events.push(event.type);
  if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
}
assert.deepEqual(events, ["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
assert.match(text, /Simulated answer/);

// The SDK's stream helper assembles the same message.
const stream = client.messages.stream({ model: "demo", max_tokens: 256, messages: [{ role: "user", content: "the helper" }] });
let seen = "";
stream.on("text", (piece) => { seen += piece; });
const final = await stream.finalMessage();
assert.equal(final.content[0].text, seen);
assert.equal(final.stop_reason, "end_turn");
assert.ok(final.usage.output_tokens > 0);

// A tool-use conversation is accepted (the earlier turn's tool_use and its tool_result).
const withTools = await client.messages.create({
  model: "demo", max_tokens: 128,
  tools: [{ name: "get_weather", description: "Weather of a city", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
  messages: [
    { role: "user", content: "Weather in Paris?" },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18 C, clear" }] },
  ],
});
assert.equal(withTools.type, "message");

// The token as a bearer works too (the SDK's authToken option).
const bearer = new Anthropic({ baseURL: process.env.ROOT, authToken: process.env.TOKEN, apiKey: null, maxRetries: 0 });
assert.equal((await bearer.messages.create({ model: "demo", max_tokens: 16, messages: [{ role: "user", content: "x" }] })).type, "message");

// Message Batches: requests in, results out (one per request, in the SDK's JSONL stream).
let batch = await client.messages.batches.create({ requests: [
  { custom_id: "first", params: { model: "demo", max_tokens: 64, messages: [{ role: "user", content: "one" }] } },
  { custom_id: "second", params: { model: "demo", max_tokens: 64, system: "brief", messages: [{ role: "user", content: "two" }] } },
  { custom_id: "nowhere", params: { model: "no-such-model", max_tokens: 64, messages: [{ role: "user", content: "three" }] } },
] });
assert.equal(batch.type, "message_batch");
assert.match(batch.id, /^msgbatch_/);
for (let i = 0; i < 600 && batch.processing_status !== "ended"; i++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  batch = await client.messages.batches.retrieve(batch.id);
}
assert.equal(batch.processing_status, "ended");
assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 });
assert.ok(batch.ended_at && batch.results_url);
const results = {};
for await (const line of await client.messages.batches.results(batch.id)) results[line.custom_id] = line.result;
assert.deepEqual(Object.keys(results).sort(), ["first", "nowhere", "second"]);
assert.equal(results.first.type, "succeeded");
assert.match(results.first.message.content[0].text, /Simulated answer/);
assert.equal(results.nowhere.type, "errored");
assert.equal(results.nowhere.error.error.type, "not_found_error");
const listed = [];
for await (const b of client.messages.batches.list({ limit: 1 })) listed.push(b.id);
assert.ok(listed.includes(batch.id));
let canceled = await client.messages.batches.create({ requests: [
  { custom_id: "c1", params: { model: "demo", max_tokens: 8, messages: [{ role: "user", content: "x" }] } }] });
canceled = await client.messages.batches.cancel(canceled.id);
assert.ok(["canceling", "ended"].includes(canceled.processing_status));
await assert.rejects(client.messages.batches.retrieve("msgbatch_nothing"), (err) => err instanceof Anthropic.NotFoundError);
await assert.rejects(client.messages.batches.create({ requests: [
  { custom_id: "same", params: {} }, { custom_id: "same", params: {} }] }), (err) => err instanceof Anthropic.BadRequestError);

await assert.rejects(client.messages.create({ model: "no-such-model", max_tokens: 16, messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof Anthropic.NotFoundError && err.error?.error?.type === "not_found_error");
await assert.rejects(client.messages.create({ model: "demo", messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof Anthropic.BadRequestError && /max_tokens/.test(err.message));
await assert.rejects(new Anthropic({ baseURL: process.env.ROOT, apiKey: "wrong", maxRetries: 0 })
  .messages.create({ model: "demo", max_tokens: 16, messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof Anthropic.AuthenticationError && err.error?.error?.type === "authentication_error");
await assert.rejects(new Anthropic({ baseURL: process.env.ROOT, apiKey: process.env.VIEWER, maxRetries: 0 })
  .messages.create({ model: "demo", max_tokens: 16, messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof Anthropic.PermissionDeniedError);

console.log("anthropic sdk conformance: ok");
