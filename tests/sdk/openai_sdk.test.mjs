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

await assert.rejects(client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof OpenAI.NotFoundError && err.code === "model_not_found");
await assert.rejects(new OpenAI({ baseURL: process.env.BASE, apiKey: "wrong", maxRetries: 0 }).models.list(),
  (err) => err instanceof OpenAI.AuthenticationError);
await assert.rejects(new OpenAI({ baseURL: process.env.BASE, apiKey: process.env.VIEWER, maxRetries: 0 })
  .chat.completions.create({ model: "demo", messages: [{ role: "user", content: "x" }] }),
  (err) => err instanceof OpenAI.PermissionDeniedError);

console.log("openai sdk conformance: ok");
