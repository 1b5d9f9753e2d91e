-- wrk script: POSTs one AdmissionReview (file in $REVIEW_FILE) to /mutate.
--
-- Closed loop (default): each connection sends its next request as soon as
-- the previous answer arrives, so the rate is whatever the server sustains.
--
-- Paced (OFFERED_RATE and WRK_THREADS set): how an API server loads a webhook,
-- admissions arriving at a fixed rate whatever the latency. Each wrk thread
-- sends its share (OFFERED_RATE / WRK_THREADS per second) on a fixed schedule:
-- its k-th request goes out no earlier than start + k / share, on whichever of
-- its connections is free (delay() is asked before every request). A server
-- that falls behind gets the missed requests in a burst (the schedule is never
-- reset), so it cannot hide behind a lower rate; the achieved rate says
-- whether it kept up. wrk times a request from its sending, not from its
-- scheduled slot, so latency behind a backlog is understated: the run is only
-- meaningful when the achieved rate is (close to) the offered one.
local f = assert(io.open(os.getenv("REVIEW_FILE"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local offered = tonumber(os.getenv("OFFERED_RATE") or "")
local threads = tonumber(os.getenv("WRK_THREADS") or "")
if offered and threads and offered > 0 and threads > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } rc_bench_timespec;
    int clock_gettime(int clock_id, rc_bench_timespec *tp);
  ]]
  local CLOCK_MONOTONIC = 1
  local ts = ffi.new("rc_bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval_ms = 1000 * threads / offered
  local next_slot = nil
  function delay()
    local now = now_ms()
    if next_slot == nil then next_slot = now end
    local wait = next_slot - now
    next_slot = next_slot + interval_ms
    if wait < 0 then return 0 end
    return wait  -- wrk waits whole milliseconds (truncated)
  end
end

-- done() runs in its own Lua state, so it reads wrk's counters, not ours:
-- errors.status counts HTTP statuses >= 400.
function done(summary, latency, requests)
  io.write(string.format("non200 %d\n", summary.errors.status))
end
