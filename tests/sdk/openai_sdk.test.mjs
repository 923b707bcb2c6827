// The official OpenAI Node SDK, unchanged, against llm-schedulerd's /v1 facade.
// Env: BASE (http://127.0.0.1:PORT/v1), TOKEN (operator), VIEWER (viewer token).
import assert from "node:assert/strict";
import OpenAI from "openai";

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

await assert.rejects(client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof OpenAI.NotFoundError && err.code === "model_not_found");
await assert.rejects(new OpenAI({ baseURL: process.env.BASE, apiKey: "wrong", maxRetries: 0 }).models.list(),
  (err) => err instanceof OpenAI.AuthenticationError);
await assert.rejects(new OpenAI({ baseURL: process.env.BASE, apiKey: process.env.VIEWER, maxRetries: 0 })
  .chat.completions.create({ model: "demo", messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof OpenAI.PermissionDeniedError);

console.log("openai sdk conformance: ok");
