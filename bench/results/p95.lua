
done = function(summary, latency, requests)
  io.write(string.format("BENCH p50=%f p95=%f requests=%d errors=%d\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
