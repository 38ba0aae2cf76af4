-- wrk script for the read-path benchmark: cycles over PRODUCTS price ids (or asks the constant
-- endpoint), checks every answer and prints one machine-readable RESULT line.
--   TARGET=prices (default): GET /api/v1/prices/P-<i>, expects "source":"cache"
--   TARGET=price-post:       POST /api/v1/price with the prototype's body for P-<i>, expects
--                            "source":"cache"
--   TARGET=ping:             GET /api/v1/ping, expects "status":"ok"
local target = os.getenv("TARGET") or "prices"
local products = tonumber(os.getenv("PRODUCTS") or "10000")
local expected = target == "ping" and '"status":"ok"' or '"source":"cache"'
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  next_id = 0
  non2xx = 0
  unexpected = 0
end

function request()
  if target == "ping" then
    return wrk.format("GET", "/api/v1/ping")
  end
  next_id = next_id % products + 1
  if target == "price-post" then
    return wrk.format("POST", "/api/v1/price", { ["Content-Type"] = "application/json" },
      '{"product_id":"P-' .. next_id .. '","user_location":"NY","is_prime_member":true}')
  end
  return wrk.format("GET", "/api/v1/prices/P-" .. next_id)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif not string.find(body, expected, 1, true) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total, unexpected_total = 0, 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    unexpected_total = unexpected_total + thread:get("unexpected")
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d unexpected=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, non2xx_total, unexpected_total, errors))
end
