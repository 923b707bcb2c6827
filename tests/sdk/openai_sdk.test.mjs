// The official OpenAI Node SDK, unchanged, against llm-schedulerd's /v1 facade.
// Env: BASE (http://127.0.0.1:PORT/v1), TOKEN (operator), VIEWER (viewer token).
import assert from "node:assert/strict";
import OpenAI, { toFile } from "openai";

const client = new OpenAI({ baseURL: process.env.BASE, apiKey: process.env.TOKEN, maxRetries: 0 });

const models = await client.models.list();
assert.ok(models.data.some((m) => m.id === "demo"), "the demo model is listed");

const answer = await client.chat.completions.create({ model: "demo", messages: [{ role: "user", content: "hello" }] });
assert.equal(answer.object, "chat.completion");
assert.match(answer.choices[0].message.content, /Simulated answer/);
assert.ok(answer.usage.total_tokens > 0);

const stream = await client.chat.completions.create({
  model: "demo", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "stream please" }],
});
let text = "";
let usage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  text += chunk.choices[0]?.delta?.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}
assert.ok(chunks >= 1);
assert.match(text, /Simulated answer/);
assert.ok(usage && usage.total_tokens > 0, "usage arrives in the stream");

const completion = await client.completions.create({ model: "demo", prompt: "Once upon" });
assert.ok(Array.isArray(completion.choices));

// The SDK asks for base64 by default and decodes it into floats.
const embeddings = await client.embeddings.create({ model: "demo", input: ["vector", "another", "vector"] });
assert.equal(embeddings.data.length, 3);
assert.equal(embeddings.data[0].embedding.length, 8);
assert.deepEqual(embeddings.data[0].embedding, embeddings.data[2].embedding, "equal inputs, equal embeddings");
const floats = await client.embeddings.create({ model: "demo", input: "vector", encoding_format: "float", dimensions: 4 });
assert.equal(floats.data[0].embedding.length, 4);

// The Responses API, served on the same (chat) model.
const response = await client.responses.create({ model: "demo", input: "hello", instructions: "be brief", max_output_tokens: 64,
  metadata: { run: "sdk" } });
assert.equal(response.object, "response");
assert.equal(response.status, "completed");
assert.match(response.output_text, /Simulated answer/);
assert.equal(response.instructions, "be brief");
assert.equal(response.max_output_tokens, 64);
assert.deepEqual(response.metadata, { run: "sdk" });
assert.ok(response.usage.total_tokens > 0 && response.usage.input_tokens > 0);
const again = await client.responses.retrieve(response.id);
assert.equal(again.id, response.id);
assert.equal(again.output_text, response.output_text);
assert.deepEqual(again.metadata, { run: "sdk" });

const events = [];
let streamed = "";
for await (const event of await client.responses.create({ model: "demo", input: [{ role: "user", content: "stream please" }], stream: true })) {
  events.push(event.type);
  if (event.type === "response.output_text.delta") streamed += event.delta;
}
assert.equal(events[0], "response.created");
assert.equal(events.at(-1), "response.completed");
assert.ok(events.includes("response.output_text.delta"));
assert.match(streamed, /Simulated answer/);
const helper = client.responses.stream({ model: "demo", input: "the helper" });
const final = await helper.finalResponse();
assert.equal(final.status, "completed");
assert.match(final.output_text, /Simulated answer/);
assert.ok(final.usage.output_tokens > 0, "usage arrives with response.completed");

// A conversation continued from an earlier response.
const followUp = await client.responses.create({ model: "demo", input: "and then?", previous_response_id: response.id });
assert.equal(followUp.previous_response_id, response.id);
assert.ok(followUp.usage.input_tokens > response.usage.input_tokens, "the earlier turns are sent again");

// Background: answered at once, read back when done.
const queued = await client.responses.create({ model: "demo", input: "later", background: true });
assert.ok(["queued", "in_progress", "completed"].includes(queued.status));
let polled = queued;
for (let i = 0; i < 100 && polled.status !== "completed"; i++) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  polled = await client.responses.retrieve(queued.id);
}
assert.equal(polled.status, "completed");
assert.match(polled.output_text, /Simulated answer/);

await assert.rejects(client.responses.create({ model: "no-such-model", input: "x" }), (err) => err instanceof OpenAI.NotFoundError);
await assert.rejects(client.responses.create({ model: "demo", input: [{ type: "bogus" }] }),
  (err) => err instanceof OpenAI.BadRequestError && err.param === "input[0].type");
await assert.rejects(client.responses.retrieve("resp_nothing"), (err) => err instanceof OpenAI.NotFoundError);
await assert.rejects(new OpenAI({ baseURL: process.env.BASE, apiKey: "wrong", maxRetries: 0 }).responses.create({ model: "demo", input: "x" }),
  (err) => err instanceof OpenAI.AuthenticationError);

// Files and batches: a JSONL of requests in, an output file of answers out.
const requests = ["alpha", "beta", "gamma", "delta"].map((word, i) => JSON.stringify({
  custom_id: `req-${i}`, method: "POST", url: "/v1/chat/completions",
  body: { model: "demo", messages: [{ role: "user", content: word }] },
})).join("\n") + "\n";
const file = await client.files.create({ file: await toFile(Buffer.from(requests), "batch.jsonl"), purpose: "batch" });
assert.equal(file.purpose, "batch");
assert.equal(file.bytes, Buffer.byteLength(requests));
assert.equal((await client.files.retrieve(file.id)).filename, "batch.jsonl");
assert.equal(await (await client.files.content(file.id)).text(), requests);
const fileIds = [];
for await (const f of client.files.list()) fileIds.push(f.id);
assert.ok(fileIds.includes(file.id));

let batch = await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h",
  metadata: { job: "sdk" } });
assert.equal(batch.object, "batch");
assert.ok(["validating", "in_progress"].includes(batch.status));
assert.deepEqual(batch.metadata, { job: "sdk" });
for (let i = 0; i < 600 && !["completed", "failed", "expired", "cancelled"].includes(batch.status); i++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  batch = await client.batches.retrieve(batch.id);
}
assert.equal(batch.status, "completed");
assert.deepEqual(batch.request_counts, { total: 4, completed: 4, failed: 0 });
assert.ok(batch.in_progress_at && batch.finalizing_at && batch.completed_at && batch.expires_at);
assert.equal(batch.error_file_id, null);
const output = (await (await client.files.content(batch.output_file_id)).text()).trim().split("\n").map((line) => JSON.parse(line));
assert.deepEqual(output.map((line) => line.custom_id).sort(), ["req-0", "req-1", "req-2", "req-3"]);
for (const line of output) {
  assert.equal(line.response.status_code, 200);
  assert.match(line.response.body.choices[0].message.content, /Simulated answer/);
  assert.equal(line.error, null);
}
const batchIds = [];
for await (const b of client.batches.list({ limit: 1 })) batchIds.push(b.id);
assert.ok(batchIds.includes(batch.id), "listed, page by page");

// A batch that names another endpoint than its lines fails validation, naming the line.
const wrong = await client.files.create({ file: await toFile(Buffer.from(requests), "wrong.jsonl"), purpose: "batch" });
let failed = await client.batches.create({ input_file_id: wrong.id, endpoint: "/v1/embeddings", completion_window: "24h" });
for (let i = 0; i < 100 && failed.status === "validating"; i++) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  failed = await client.batches.retrieve(failed.id);
}
assert.equal(failed.status, "failed");
assert.equal(failed.errors.data[0].line, 1);
assert.equal(failed.errors.data[0].code, "mismatched_endpoint");

// Cancelled as a whole.
let cancelled = await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
cancelled = await client.batches.cancel(cancelled.id);
assert.ok(["cancelling", "cancelled", "completed"].includes(cancelled.status));
for (let i = 0; i < 600 && cancelled.status === "cancelling"; i++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  cancelled = await client.batches.retrieve(cancelled.id);
}
assert.ok(["cancelled", "completed"].includes(cancelled.status));

assert.equal((await client.files.delete(wrong.id)).deleted, true);
await assert.rejects(client.files.retrieve(wrong.id), (err) => err instanceof OpenAI.NotFoundError);
await assert.rejects(client.batches.retrieve("batch_nothing"), (err) => err instanceof OpenAI.NotFoundError);
await assert.rejects(client.batches.create({ input_file_id: file.id, endpoint: "/v1/nothing", completion_window: "24h" }),
  (err) => err instanceof OpenAI.BadRequestError && err.param === "endpoint");
await assert.rejects(client.files.create({ file: await toFile(Buffer.from("x"), "x.txt"), purpose: "fine-tune" }),
  (err) => err instanceof OpenAI.BadRequestError && err.param === "purpose");

await assert.rejects(client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof OpenAI.NotFoundError && err.code === "model_not_found");
await assert.rejects(new OpenAI({ baseURL: process.env.BASE, apiKey: "wrong", maxRetries: 0 }).models.list(),
  (err) => err instanceof OpenAI.AuthenticationError);
await assert.rejects(new OpenAI({ baseURL: process.env.BASE, apiKey: process.env.VIEWER, maxRetries: 0 })
  .chat.completions.create({ model: "demo", messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof OpenAI.PermissionDeniedError);

console.log("openai sdk conformance: ok");
