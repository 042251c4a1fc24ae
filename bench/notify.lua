-- wrk script for the capacity check of the notify section's webhook sink (bench/notify.py):
-- POSTs a body shaped like the hub's, with the hub's headers, in group W (reference W-…),
-- so that it never mixes with the deliveries measured. The sink answers Connection: close,
-- so wrk opens one connection per request, as the hub does.
--   wrk -t 1 -c 16 -d 3s -s bench/notify.lua http://127.0.0.1:PORT/hook
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Connection"] = "close"
wrk.headers["Hub-Topic"] = "agendaPublished"
wrk.headers["Hub-Timestamp"] = "1700000000"
wrk.headers["Hub-Signature"] = "v1=" .. string.rep("0", 64)

request = function()
    counter = counter + 1
    local id = string.format("00000000-0000-4000-8000-%012d", counter)
    local body = '{"id":"' .. id .. '","link":"http://127.0.0.1:8080/v1/comites/x",'
        .. '"occurredAt":"2025-01-01T00:00:00Z","reference":"W-' .. counter .. '","topic":"agendaPublished"}'
    wrk.headers["Hub-Event-Id"] = id
    return wrk.format(nil, nil, nil, body)
end
