-- wrk script for the load benchmark: GET /api/v1/prices/P-<random 1..PRODUCTS>, counting answers
-- served from a cached price ("source":"cache") and computed for the request ("source":"live"),
-- and prints one machine-readable RESULT line.
local products = tonumber(os.getenv("PRODUCTS") or "10000")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + #threads)
  hits, misses, non2xx = 0, 0, 0
end

function request()
  return wrk.format("GET", "/api/v1/prices/P-" .. math.random(products))
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif string.find(body, '"source":"live"', 1, true) then
    misses = misses + 1
  else
    hits = hits + 1
  end
end

function done(summary, latency, requests)
  local hit_total, miss_total, non2xx_total = 0, 0, 0
  for _, thread in ipairs(threads) do
    hit_total = hit_total + thread:get("hits")
    miss_total = miss_total + thread:get("misses")
    non2xx_total = non2xx_total + thread:get("non2xx")
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f hits=%d misses=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, hit_total, miss_total, non2xx_total, errors))
end
