-- GET a path drawn at random from a file (one path a line).
-- Usage: wrk ... -s random_path.lua URL -- PATHS_FILE
-- Headers (e.g. Authorization) come from wrk's -H options.
local paths = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
end

function init(args)
   local file = assert(io.open(args[1], "r"), "cannot open " .. tostring(args[1]))
   for line in file:lines() do
      if #line > 0 then paths[#paths + 1] = line end
   end
   file:close()
   assert(#paths > 0, "no path in " .. args[1])
   math.randomseed(os.time() * 1000 + (tid or 0))
end

function request()
   return wrk.format("GET", paths[math.random(#paths)])
end
