using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.RateLimiting;

/// <summary>
/// The ledger and the period cap find when enough credits have left their window without walking it; here they are
/// checked against logs that walk every grant, over seeded random grants, corrections, lowered limits and expiries.
/// </summary>
public class CountingReferenceTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_ledger_grants_and_names_the_instant_credits_free_as_a_walk_over_every_grant_does(int seed)
    {
        var random = new Random(seed);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var ledger = new SlidingWindowLedger(new RateLimitOptions { Requests = 2_000, Tokens = 200_000, Interval = Interval, Guard = TimeSpan.Zero });
        var reference = new WalkedLog(Interval.Ticks);
        long requestsInForce = 2_000, tokensInForce = 200_000;
        var refused = 0;

        for (var step = 0; step < 8_000; step++)
        {
            var now = clock.GetUtcNow();
            switch (random.Next(100))
            {
                case < 70:
                    var tokens = random.Next(0, 300);
                    var attempt = ledger.TryAcquire(1, tokens, now);
                    var expected = reference.TryAcquire(1, tokens, now.UtcTicks, requestsInForce, tokensInForce);
                    Assert.Equal(expected, (attempt.Granted, attempt.Granted ? attempt.GrantId : attempt.RetryAt.UtcTicks));
                    if (!attempt.Granted) refused++;
                    break;
                case < 90:
                    var grant = reference.Latest - random.Next(0, 3_000);
                    var used = random.Next(0, 600);
                    Assert.Equal(reference.Correct(grant, used, now.UtcTicks), ledger.Reconcile(grant, used, now));
                    break;
                case < 92:
                    // A limit learned from the provider: often far below what the window holds, so the excess spans many grants.
                    requestsInForce = random.Next(1, 2_001);
                    tokensInForce = random.Next(300, 200_001);
                    ledger.LimitTo(requestsInForce, tokensInForce);
                    break;
                default:
                    clock.Advance(random.Next(200) == 0 ? TimeSpan.FromSeconds(random.Next(5, 15)) : TimeSpan.FromMilliseconds(random.Next(0, 40)));
                    break;
            }
        }

        Assert.True(refused > 500, $"only {refused} refusals compared");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_period_cap_names_the_wait_a_walk_over_every_grant_of_the_period_does(int seed)
    {
        var random = new Random(seed);
        var period = TimeSpan.FromSeconds(1);
        var cap = new PeriodCap(period, 5_000);
        var reference = new WalkedLog(period.Ticks);
        var capInForce = 5_000L;
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        var waited = 0;

        for (var step = 0; step < 8_000; step++)
        {
            switch (random.Next(100))
            {
                case < 70:
                    // Mostly small calls, now and then one larger than the cap.
                    var cost = random.Next(50) == 0 ? random.Next(5_000, 9_000) : random.Next(0, 200);
                    var wait = cap.Wait(cost, now);
                    var expected = reference.TryAcquire(cost, 0, now, capInForce, null);
                    Assert.Equal(expected.Granted ? 0 : expected.Value - now, wait);
                    if (wait == 0) cap.Take(cost, now);
                    else waited++;
                    break;
                case < 73:
                    capInForce = random.Next(1, 5_001);
                    cap.SetCap(capInForce);
                    break;
                default:
                    now += random.Next(300) == 0 ? TimeSpan.TicksPerSecond * 2 : random.Next(0, 20) * TimeSpan.TicksPerMillisecond;
                    break;
            }
        }

        Assert.True(waited > 500, $"only {waited} waits compared");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Ring_sums_read_sum_and_reach_as_a_plain_array_does_through_sets_and_growth(int seed)
    {
        var random = new Random(seed);
        var sums = new RingSums(5);
        var plain = new long[5];
        var checks = 0;

        for (var step = 0; step < 4_000; step++)
        {
            var head = random.Next(plain.Length);
            var count = random.Next(plain.Length + 1);
            var run = Enumerable.Range(0, count).Select(offset => plain[(head + offset) % plain.Length]).ToArray();
            var amount = random.Next(-5, (int)run.Sum() + 5);
            var reach = Enumerable.Range(1, plain.Length).FirstOrDefault(k => amount <= 0 || Enumerable.Range(0, k).Sum(offset => plain[(head + offset) % plain.Length]) >= amount);
            switch (random.Next(100))
            {
                case < 45:
                    var slot = random.Next(plain.Length);
                    plain[slot] = random.Next(0, 1_000);
                    sums.Set(slot, plain[slot]);
                    break;
                case < 47 when plain.Length < 600:
                    sums.Grow(head, count);
                    plain = [.. run, .. new long[2 * plain.Length - count]];
                    break;
                default:
                    Assert.Equal(run.Sum(), sums.Sum(head, count));
                    Assert.Equal(plain[head], sums[head]);
                    // A whole ring that falls short reaches past it.
                    if (reach == 0) Assert.True(sums.Reach(head, amount) > plain.Length);
                    else Assert.Equal(reach, sums.Reach(head, amount));
                    checks++;
                    break;
            }
        }

        Assert.True(plain.Length > 100 && checks > 1_000, $"ring of {plain.Length}, {checks} checks");
    }

    /// <summary>
    /// A sliding log that sums and frees by walking every entry, as the definitions say: a grant fits while the window's
    /// sums with it stay within the limits in force (a single grant larger than a limit fits an empty enough window),
    /// else it may go once the oldest grants that free the excess have left. The period cap's cost is its requests.
    /// </summary>
    private sealed class WalkedLog(long windowTicks)
    {
        private readonly List<(long Number, long Ticks, long Requests, long Tokens)> _entries = [];
        private long _latest = long.MinValue;
        private long _granted;

        public long Latest => _granted;

        public (bool Granted, long Value) TryAcquire(long requests, long tokens, long nowTicks, long requestLimit, long? tokenLimit)
        {
            Advance(nowTicks);
            var requestExcess = _entries.Sum(entry => entry.Requests) + requests - Math.Max(requestLimit, requests);
            var tokenExcess = tokenLimit is { } limit ? _entries.Sum(entry => entry.Tokens) + tokens - Math.Max(limit, tokens) : 0;
            if (requestExcess <= 0 && tokenExcess <= 0)
            {
                _entries.Add((++_granted, _latest, requests, tokens));
                return (true, _granted);
            }

            foreach (var entry in _entries)
            {
                requestExcess -= entry.Requests;
                tokenExcess -= entry.Tokens;
                if (requestExcess <= 0 && tokenExcess <= 0) return (false, entry.Ticks + windowTicks);
            }

            throw new InvalidOperationException("a grant within the limits always fits an empty window");
        }

        public bool Correct(long number, long tokens, long nowTicks)
        {
            Advance(nowTicks);
            var index = _entries.FindIndex(entry => entry.Number == number);
            if (index < 0) return false;
            _entries[index] = _entries[index] with { Tokens = tokens };
            return true;
        }

        private void Advance(long nowTicks)
        {
            _latest = Math.Max(_latest, nowTicks);
            _entries.RemoveAll(entry => entry.Ticks <= _latest - windowTicks);
        }
    }
}
