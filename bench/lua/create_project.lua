-- POST /api/v1/projects by leads in turn, with a unique title per request.
-- Usage: wrk ... -s create_project.lua URL -- LEADS_FILE   (lines "LEAD_ID TOKEN")
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local leads = require("leads")
local counter = 0
local tokens
local n = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
end

function init(args)
   tokens = leads.load(args[1])
   math.randomseed(os.time() * 1000 + (tid or 0))
   salt = math.random(1, 1000000000)
   n = math.random(0, #tokens - 1)
end

local departments = { "01", "13", "33", "35", "44", "59", "67", "69", "75", "92" }

function request()
   n = n + 1
   local body = string.format(
      '{"programme":"education","territory":"department:%s","title":"Projet de charge %d-%d-%d",'
      .. '"summary":"Résumé de charge","theme":"pedagogy"}',
      departments[(n % #departments) + 1], tid or 0, salt, n)
   return wrk.format("POST", "/api/v1/projects", {
      ["Authorization"] = tokens[(n % #tokens) + 1],
      ["Content-Type"] = "application/json",
   }, body)
end
