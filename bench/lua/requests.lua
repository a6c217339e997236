-- wrk script for `python -m bench`: requests spread over many opportunities.
-- wrk ... -s bench/lua/requests.lua URL -- MODE IDS_FILE [TOKEN]
--   MODE: post (record an InteractionPlanned), one (GET one), list (GET a list page),
--         accounts (GET a page of the accounts list)
-- Counts every answer outside 2xx and prints "NON2XX <n>" when done.
local threads = {}
local body = '{"type": "InteractionPlanned", "contact": "Dana Baker", "department": "IT",'
  .. ' "channel": "video", "purpose": "Walk through the pilot results",'
  .. ' "commitment_objective": "Agree to a proposal meeting"}'

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  ids = {}
  for line in io.lines(args[2]) do
    ids[#ids + 1] = line
  end
  if args[3] ~= nil and args[3] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[3]
  end
  wrk.headers["Content-Type"] = "application/json"
  index = (id * 7919) % #ids
  non2xx = 0
end

function request()
  index = index % #ids + 1
  if mode == "post" then
    return wrk.format("POST", "/v1/opportunities/" .. ids[index] .. "/events", nil, body)
  elseif mode == "list" then
    return wrk.format("GET", "/v1/opportunities?limit=50")
  elseif mode == "accounts" then
    return wrk.format("GET", "/v1/accounts?limit=50&sort=-won")
  end
  return wrk.format("GET", "/v1/opportunities/" .. ids[index])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("non2xx") or 0)
  end
  io.write(string.format("NON2XX %d\n", total))
end
