// Subgraph replay server: makes the subgraphs cheap so that a benchmark measures the gateway.
// Listens on one port; POST /<subgraph> is answered from a record keyed by the request's path,
// authorization and body. A request not yet recorded is forwarded to the real subgraph (its URL
// given on the command line as name=url) and its answer recorded; every gateway warms up first,
// so the measured runs are answered from the record. GET /stats: hits, misses and CPU seconds.
// Usage: node replay.mjs <port> needs=http://127.0.0.1:4001/graphql claims=… orgs=…
import { createServer } from "node:http";
import { createHash } from "node:crypto";

const port = Number(process.argv[2]);
const upstreams = Object.fromEntries(process.argv.slice(3).map((pair) => pair.split(/=(.*)/s).slice(0, 2)));
const record = new Map();
const stats = { hits: 0, misses: 0, errors: 0 };

async function forward(name, headers, body) {
  const response = await fetch(upstreams[name], {
    method: "POST",
    headers: { "content-type": "application/json", ...(headers.authorization ? { authorization: headers.authorization } : {}) },
    body,
  });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

const server = createServer((request, response) => {
  const name = request.url.slice(1).split("?")[0];
  if (request.method === "GET" && name === "stats") {
    const cpu = process.cpuUsage();
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ ...stats, records: record.size, cpu_s: (cpu.user + cpu.system) / 1e6 }));
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", async () => {
    const body = Buffer.concat(chunks);
    const key = createHash("sha1").update(name).update("\0").update(request.headers.authorization ?? "").update("\0").update(body).digest("hex");
    let answer = record.get(key);
    if (answer) stats.hits += 1;
    else {
      if (!(name in upstreams)) {
        response.statusCode = 404;
        response.end();
        return;
      }
      stats.misses += 1;
      try {
        answer = await forward(name, request.headers, body);
        if (answer.status === 200) record.set(key, answer);
      } catch (error) {
        stats.errors += 1;
        answer = { status: 502, body: Buffer.from(JSON.stringify({ errors: [{ message: String(error) }] })) };
      }
    }
    response.statusCode = answer.status;
    response.setHeader("content-type", "application/json");
    response.setHeader("content-length", answer.body.length);
    response.end(answer.body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => console.log(`replay on ${port}: ${Object.keys(upstreams).join(", ")}`));
