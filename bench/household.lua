-- wrk script for GET /v1/households/{id} (or one of its routes, e.g. /timeline): every
-- request names a household drawn at random among the generated ones
-- (hub seed-synthetic --bench households), as household.pgbench and timeline.pgbench do with
-- `\set n random(1, :households)`.
--
--   wrk ... -s bench/household.lua http://HOST:PORT/ -- IDS_FILE [SUFFIX [PREFIX]]
--
-- PREFIX (default /v1/households/) is /menages/ for the console's household page.
--
-- IDS_FILE holds one household id per line; bench/run.sh writes it with psql
-- (md5('bench-' || n)::uuid for n in 1..N: Lua has no md5). The Authorization header
-- comes from wrk's -H, which wrk.format adds to every request.

local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("thread_number", threads)
end

function init(args)
    local path = args[1]
    if path == nil then
        error("usage: wrk -s bench/household.lua URL -- IDS_FILE [SUFFIX]")
    end
    suffix = args[2] or ""
    prefix = args[3] or "/v1/households/"
    ids = {}
    for line in io.lines(path) do
        if line ~= "" then
            ids[#ids + 1] = line
        end
    end
    if #ids == 0 then
        error("no household id in " .. path)
    end
    -- One sequence per thread, not the same one twice.
    math.randomseed(os.time() * 100 + (thread_number or 0))
end

function request()
    return wrk.format(nil, prefix .. ids[math.random(#ids)] .. suffix)
end
