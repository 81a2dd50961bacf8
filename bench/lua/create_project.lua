-- POST /api/v1/projects as a lead, with a unique title per request.
-- Usage: wrk ... -s create_project.lua URL -- LEAD_TOKEN
local counter = 0
local headers = {}
local n = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
end

function init(args)
   headers["Authorization"] = "Bearer " .. args[1]
   headers["Content-Type"] = "application/json"
   math.randomseed(os.time() * 1000 + (tid or 0))
   salt = math.random(1, 1000000000)
end

local departments = { "01", "13", "33", "35", "44", "59", "67", "69", "75", "92" }

function request()
   n = n + 1
   local body = string.format(
      '{"programme":"education","territory":"department:%s","title":"Projet de charge %d-%d-%d",'
      .. '"summary":"Résumé de charge","theme":"pedagogy"}',
      departments[(n % #departments) + 1], tid or 0, salt, n)
   return wrk.format("POST", "/api/v1/projects", headers, body)
end
