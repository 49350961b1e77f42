-- wrk script: POST the JSON body in $BENCH_BODY_FILE with $BENCH_AUTHORIZATION; print the figures as JSON.
local file = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = os.getenv("BENCH_AUTHORIZATION")

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "non2xx": %d, "socket_errors": %d, "p50_ms": %f, "p95_ms": %f, "p99_ms": %f, "max_ms": %f}\n',
    summary.requests, summary.duration / 1e6,
    (summary.errors.status or 0), summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
