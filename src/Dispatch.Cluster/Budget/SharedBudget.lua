-- The shared rate-limit budget of one endpoint, run atomically by Redis.
--
-- KEYS[1] log    sorted set: grant id -> the last moment (server µs) its credits may be used
-- KEYS[2] grants hash: grant id -> "requests:tokens"
-- KEYS[3] state  hash: r, t (sums over the log), seq (grant counter), last (latest server µs seen)
-- KEYS[4] pause  string with a PX expiry while the endpoint is cooling down (Retry-After)
-- KEYS[5] ready  string, no expiry: this Redis has been up long enough to hold every live grant
--
-- A grant covers the span [start, finish] (finish = start for a single call, start + lease for a
-- lease) and counts against every window of `interval` that touches that span: it stays in the log
-- while finish >= now - interval. A grant is made only when the sums of the entries still in the
-- log plus the new grant fit the limits. Time is the server's (TIME), never a node's.
--
-- Why no window is ever over the limit: take any window W = [a, a + interval] and, among the
-- grants whose spans touch W, the one made last, at time s (s <= a + interval). Every other grant
-- touching W was made no later than s (scripts run one at a time, and `now` never goes back) and
-- ends at or after a >= s - interval, so it was still in the log when the last one was checked at
-- s. That check admitted the last grant only if all of them together fit the limits.
-- (Reconcile later replaces a grant's amounts with what was really used; the guarantee then holds
-- for real use, which is what the provider counts.)
--
-- Leases: a lease is counted in full for its whole span, whether or not its credits are spent, so
-- a node that dies holding one can only leave credits unused. The node must stop spending at the
-- span's end (it measures the span from before it sent the request, so its deadline comes first).
--
-- Restarts: a Redis that restarts without its data has forgotten grants that may still be in the
-- window (and leases still being spent). Until the server has been up longer than the interval
-- plus the longest lease (`guard`), nothing is granted; the `ready` key, gone with the data,
-- records that this wait is over so INFO is read only until then.

local log, grants, state, pause, ready = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local op = ARGV[1]

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
-- If the server's clock steps back, time here stands still instead: a grant must never be
-- stamped earlier than one already made, or the window check below would miss it.
local last = tonumber(redis.call('HGET', state, 'last') or '0')
if now < last then now = last end

-- Timestamps are ~1.7e15 µs: exact in a double, but tostring would round them (%.14g).
local function fmt(n)
  return string.format('%.0f', n)
end

local function amounts(value)
  local r, t = string.match(value or '', '^(%d+):(%d+)$')
  if not r then return 0, 0 end
  return tonumber(r), tonumber(t)
end

-- Drops grants whose span ended more than `interval` ago and takes them off the sums.
local function trim(interval)
  local cutoff = '(' .. fmt(now - interval)
  local freedR, freedT = 0, 0
  while true do
    local dead = redis.call('ZRANGEBYSCORE', log, '-inf', cutoff, 'LIMIT', 0, 500)
    if #dead == 0 then break end
    local values = redis.call('HMGET', grants, unpack(dead))
    for i = 1, #dead do
      local r, t = amounts(values[i])
      freedR = freedR + r
      freedT = freedT + t
    end
    redis.call('ZREM', log, unpack(dead))
    redis.call('HDEL', grants, unpack(dead))
    if #dead < 500 then break end
  end
  if redis.call('ZCARD', log) == 0 then
    -- An empty log has nothing to sum: resetting here also heals sums left behind by a key that expired alone.
    redis.call('HDEL', state, 'r', 't')
  elseif freedR > 0 or freedT > 0 then
    redis.call('HINCRBY', state, 'r', -freedR)
    redis.call('HINCRBY', state, 't', -freedT)
  end
end

-- Keys live until the newest grant has left every window, then vanish with an idle endpoint.
local function keep(interval)
  local newest = redis.call('ZRANGE', log, -1, -1, 'WITHSCORES')
  local horizon = now
  if newest[2] and tonumber(newest[2]) > horizon then horizon = tonumber(newest[2]) end
  local ttl = math.ceil((horizon - now + interval) / 1000) + 1000
  redis.call('PEXPIRE', log, ttl)
  redis.call('PEXPIRE', grants, ttl)
  redis.call('PEXPIRE', state, ttl)
end

local function used()
  return tonumber(redis.call('HGET', state, 'r') or '0'), tonumber(redis.call('HGET', state, 't') or '0')
end

-- Replaces live grants' amounts with what was really used: triples (id, requests, tokens) from
-- ARGV[first] on. Returns how many grants were still live (the others have left every window).
local function correct(first)
  local applied = 0
  for i = first, #ARGV - 2, 3 do
    local id, r, t = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
    local current = redis.call('HGET', grants, id)
    if current then
      local oldR, oldT = amounts(current)
      redis.call('HSET', grants, id, fmt(r) .. ':' .. fmt(t))
      redis.call('HINCRBY', state, 'r', r - oldR)
      redis.call('HINCRBY', state, 't', t - oldT)
      applied = applied + 1
    end
  end
  return applied
end

if op == 'acquire' then
  -- ARGV: limitR limitT interval(µs) minR maxR minT maxT lease(µs) guard(µs, 0 = off) [id requests tokens]...
  -- The trailing triples correct earlier grants (returns of spent leases, token usage) before anything
  -- is decided, so a node ships them with its next lease instead of one round trip each.
  local limitR, limitT, interval = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
  local minR, maxR, minT, maxT = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
  local lease = tonumber(ARGV[9])
  trim(interval)
  correct(11)
  -- Reply: {status, id, start, finish, requests, tokens, wait µs, reason}
  if minR > limitR or minT > limitT then
    return {-1, '', now, 0, 0, 0, 0, 3}
  end
  local guard = tonumber(ARGV[10])
  if guard > 0 and redis.call('EXISTS', ready) == 0 then
    -- uptime_in_seconds is truncated, so the real uptime is at least this.
    local uptime = tonumber(string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)')) * 1000000
    if uptime <= guard then
      return {0, '', now, 0, 0, 0, guard - uptime + 1000000, 4}
    end
    redis.call('SET', ready, '1')
  end
  local cooling = redis.call('PTTL', pause)
  if cooling > 0 then
    return {0, '', now, 0, 0, 0, cooling * 1000, 2}
  end
  local usedR, usedT = used()
  local freeR, freeT = limitR - usedR, limitT - usedT
  if freeR >= minR and freeT >= minT then
    local r, t = math.min(maxR, freeR), math.min(maxT, freeT)
    local id = fmt(now) .. '-' .. redis.call('HINCRBY', state, 'seq', 1)
    local finish = now + lease
    redis.call('ZADD', log, fmt(finish), id)
    redis.call('HSET', grants, id, fmt(r) .. ':' .. fmt(t))
    redis.call('HINCRBY', state, 'r', r)
    redis.call('HINCRBY', state, 't', t)
    redis.call('HSET', state, 'last', fmt(now))
    keep(interval)
    return {1, id, now, finish, r, t, 0, 0}
  end
  -- Denied: walk the log oldest-first until enough has been freed for the minimum asked for;
  -- that entry leaves the log one µs after its span is a whole interval old.
  local needR, needT = minR - freeR, minT - freeT
  local freedR, freedT, offset = 0, 0, 0
  local wait = interval
  while true do
    local page = redis.call('ZRANGE', log, offset, offset + 99, 'WITHSCORES')
    if #page == 0 then break end
    local ids = {}
    for i = 1, #page, 2 do ids[#ids + 1] = page[i] end
    local values = redis.call('HMGET', grants, unpack(ids))
    local found = false
    for i = 1, #ids do
      local r, t = amounts(values[i])
      freedR = freedR + r
      freedT = freedT + t
      if freedR >= needR and freedT >= needT then
        wait = tonumber(page[2 * i]) + interval + 1 - now
        found = true
        break
      end
    end
    if found then break end
    offset = offset + 100
  end
  return {0, '', now, 0, 0, 0, wait, 1}
elseif op == 'pause' then
  -- ARGV: milliseconds. A pause is only ever lengthened, never cut short by a shorter Retry-After.
  local ms = tonumber(ARGV[2])
  local remaining = redis.call('PTTL', pause)
  if remaining < ms then
    redis.call('SET', pause, fmt(now + ms * 1000), 'PX', ms)
    remaining = ms
  end
  return remaining
elseif op == 'reconcile' then
  -- ARGV: interval(µs) [id requests tokens]... Replaces live grants' amounts with what was really used.
  trim(tonumber(ARGV[2]))
  return {correct(3)}
elseif op == 'usage' then
  -- ARGV: interval(µs). What the grants still in the window count, and the rest of any pause (ms, <= 0 for none).
  trim(tonumber(ARGV[2]))
  local r, t = used()
  return {r, t, redis.call('PTTL', pause)}
end
return redis.error_reply('BUDGET unknown operation ' .. tostring(op))
