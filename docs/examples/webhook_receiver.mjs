// A webhook receiver for LLM Scheduler that checks every delivery's signature.
//
//     LLMSCHED_WEBHOOK_SECRET=whsec_... node webhook_receiver.mjs [PORT]
//
// Node's standard library only. Each POST carries
//     X-LLMSched-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
// keyed with the webhook's secret (its UTF-8 bytes). A delivery is genuine when
// the HMAC matches and t is recent (here: within 5 minutes, against replays).
// Deliveries are at least once: use X-LLMSched-Delivery to skip one seen before.
// Answer 2xx quickly; anything else (or no answer in 10 s) is retried later.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.LLMSCHED_WEBHOOK_SECRET;
const toleranceSeconds = 300;
const seen = new Set();

function verify(header, body) {
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2)));
  const t = Number.parseInt(parts.t, 10);
  if (!Number.isFinite(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
  const given = Buffer.from(parts.v1 ?? '', 'utf8');
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected, 'utf8'));
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks); // the raw bytes: sign-checked before parsing
    if (!verify(req.headers['x-llmsched-signature'] ?? '', body)) {
      console.log('rejected: bad signature');
      res.writeHead(401).end();
      return;
    }
    const delivery = req.headers['x-llmsched-delivery'];
    if (!seen.has(delivery)) {
      seen.add(delivery);
      const event = JSON.parse(body);
      console.log(`verified ${event.type} ${event.data.id} ${event.data.state ?? ''}`);
    }
    res.writeHead(204).end();
  });
}).listen(Number(process.argv[2] ?? 9000), '127.0.0.1');
