-- Shared by the write scenarios: the leads' tokens, read from a file of "LEAD_ID TOKEN" lines.
local leads = {}

function leads.load(path)
   local tokens, by_id = {}, {}
   local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
   for line in file:lines() do
      local id, token = string.match(line, "^(%S+) (%S+)$")
      if id then
         tokens[#tokens + 1] = "Bearer " .. token
         by_id[id] = "Bearer " .. token
      end
   end
   file:close()
   assert(#tokens > 0, "no lead in " .. path)
   return tokens, by_id
end

return leads
