-- Full workflow cycle: a lead creates a project, submits it, then an administrator starts the
-- review and validates it. Each response names the next request (id and version read from
-- the JSON with string patterns); follow-ups wait in a per-thread queue that every connection
-- of the thread serves first, so chains interleave freely across connections.
-- Usage: wrk ... -s workflow_cycle.lua URL -- LEADS_FILE ADMIN_TOKEN   (lines "LEAD_ID TOKEN")
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local leads = require("leads")
local counter = 0
local threads = {}

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

local tokens, by_id, admin
local queue, head, tail = {}, 1, 0
local n = 0
cycles, broken, created = 0, 0, 0

function init(args)
   tokens, by_id = leads.load(args[1])
   admin = "Bearer " .. args[2]
   math.randomseed(os.time() * 1000 + (tid or 0))
   salt = math.random(1, 1000000000)
   n = math.random(0, #tokens - 1)
end

local function transition(id, version, action, token)
   local body = '{"action":"' .. action .. '"}'
   return wrk.format("POST", "/api/v1/projects/" .. id .. "/transitions", {
      ["Authorization"] = token,
      ["Content-Type"] = "application/json",
      ["If-Match"] = '"' .. version .. '"',
   }, body)
end

function request()
   if head <= tail then
      local req = queue[head]
      queue[head] = nil
      head = head + 1
      return req
   end
   n = n + 1
   -- Complete enough to be submitted: stakeholders, and a school of the Rhône.
   local body = string.format(
      '{"programme":"education","territory":"department:69","title":"Cycle de charge %d-%d-%d",'
      .. '"summary":"Résumé","theme":"pedagogy","establishment_uai":"0690001B",'
      .. '"stakeholders":["pupils","teachers"]}', tid or 0, salt, n)
   return wrk.format("POST", "/api/v1/projects", {
      ["Authorization"] = tokens[(n % #tokens) + 1],
      ["Content-Type"] = "application/json",
   }, body)
end

local function push(req)
   tail = tail + 1
   queue[tail] = req
end

function response(status, headers, body)
   if status ~= 200 and status ~= 201 then
      broken = broken + 1
      return
   end
   local id = string.match(body, '"id":"([^"]+)"')
   local lead = by_id[string.match(body, '"lead":"([^"]+)"') or ""]
   local version = string.match(body, '"version":(%d+)')
   local state = string.match(body, '"status":"([%w_]+)"')
   if not (id and version and state and lead) then
      broken = broken + 1
      return
   end
   if state == "draft" then
      created = created + 1
      push(transition(id, version, "submit", lead))
   elseif state == "submitted" then
      push(transition(id, version, "start_review", admin))
   elseif state == "under_review" then
      push(transition(id, version, "validate", admin))
   elseif state == "validated" then
      cycles = cycles + 1
   else
      broken = broken + 1
   end
end

function done(summary, latency, requests)
   local total_cycles, total_broken, total_created = 0, 0, 0
   for _, thread in ipairs(threads) do
      total_cycles = total_cycles + (tonumber(thread:get("cycles")) or 0)
      total_broken = total_broken + (tonumber(thread:get("broken")) or 0)
      total_created = total_created + (tonumber(thread:get("created")) or 0)
   end
   local seconds = summary.duration / 1e6
   io.write(string.format("BENCH_CYCLES %d\n", total_cycles))
   io.write(string.format("BENCH_CYCLES_PER_SEC %.2f\n", total_cycles / seconds))
   io.write(string.format("BENCH_CYCLES_STARTED %d\n", total_created))
   io.write(string.format("BENCH_CHAINS_BROKEN %d\n", total_broken))
end
