-- wrk script of benchmarks/load.py: the competency questions as the query mix.
--
-- Usage: wrk -t1 -cN -dS --timeout T -s mix.lua URL -- PATHS_FILE ACCEPT
-- PATHS_FILE holds one request path a line (for a query: the endpoint's path
-- with ?query=<urlencoded text>). Every request is a GET with the given Accept
-- header, cycling through the paths in order, so that each run sends the same
-- mix to every target. The requests are formatted once, in init(), so that the
-- load generator spends its time on the wire, not in Lua.
--
-- wrk itself counts socket errors and statuses above 399; this script also
-- counts every status outside 2xx (a 3xx or 1xx would be an error here too)
-- and prints one line "WRK_JSON {...}" that load.py parses.

local requests_ = {}
local index = 0
non2xx = 0
codes = ""
local seen = {}
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local file = assert(io.open(args[1], "r"))
   local headers = { ["Accept"] = args[2] }
   for line in file:lines() do
      if #line > 0 then
         table.insert(requests_, wrk.format("GET", line, headers))
      end
   end
   file:close()
   assert(#requests_ > 0, "no request paths in " .. args[1])
end

function request()
   index = index % #requests_ + 1
   return requests_[index]
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      seen[status] = (seen[status] or 0) + 1
      local parts = {}
      for code, count in pairs(seen) do
         table.insert(parts, code .. ":" .. count)
      end
      codes = table.concat(parts, ",")
   end
end

function done(summary, latency, requests)
   local bad, statuses = 0, {}
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("non2xx") or 0)
      local c = thread:get("codes") or ""
      if #c > 0 then
         table.insert(statuses, c)
      end
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"duration_us": %d, "requests": %d, "bytes": %d, ' ..
      '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d, ' ..
      '"non2xx": %d, "codes": "%s", "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
      '"mean_us": %.1f, "max_us": %d}\n',
      summary.duration, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.timeout, e.status,
      bad, table.concat(statuses, ","), latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.mean, latency.max))
end
