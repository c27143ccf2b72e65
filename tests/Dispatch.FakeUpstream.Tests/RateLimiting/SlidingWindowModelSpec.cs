using Dispatch.FakeUpstream.RateLimiting;

namespace Dispatch.FakeUpstream.Tests.RateLimiting;

/// <summary>The window against a brute-force model that rescans every admission: same decisions, same waits, same peaks.</summary>
public sealed class SlidingWindowModelSpec
{
    private static readonly RateLimitOptions Limits = new() { RequestsPerWindow = 7, TokensPerWindow = 100, Window = TimeSpan.FromTicks(1_000) };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Window_agrees_with_a_brute_force_model_on_random_traffic(int seed)
    {
        var random = new Random(seed);
        var window = new SlidingWindow();
        var admitted = new List<(long At, long Tokens)>();
        long now = 0, peakRequests = 0, peakTokens = 0;

        for (var i = 0; i < 5_000; i++)
        {
            now += random.Next(0, 60);
            var tokens = random.Next(1, 40);

            var decision = window.TryAdmit(now, tokens, Limits);

            var (count, sum) = InWindow(admitted, now);
            var fits = count + 1 <= Limits.RequestsPerWindow && sum + tokens <= Limits.TokensPerWindow;
            Assert.Equal(fits, decision.Admitted);
            if (fits)
            {
                admitted.Add((now, tokens));
                peakRequests = Math.Max(peakRequests, count + 1);
                peakTokens = Math.Max(peakTokens, sum + tokens);
                Assert.Equal(Limits.RequestsPerWindow - count - 1, decision.RemainingRequests);
                Assert.Equal(Limits.TokensPerWindow - sum - tokens, decision.RemainingTokens);
            }
            else
            {
                Assert.Equal(EarliestFit(admitted, now, tokens) - now, decision.RetryAfter.Ticks);
            }
        }

        Assert.Equal(peakRequests, window.PeakRequests);
        Assert.Equal(peakTokens, window.PeakTokens);
        Assert.True(window.PeakRequests <= Limits.RequestsPerWindow);
        Assert.True(window.PeakTokens <= Limits.TokensPerWindow);
    }

    [Fact]
    public void Window_grows_past_its_initial_capacity_without_losing_order()
    {
        var window = new SlidingWindow();
        var unlimited = new RateLimitOptions { Window = TimeSpan.FromTicks(1_000_000) };

        for (var i = 0; i < 1_000; i++) window.TryAdmit(i, 1, unlimited);
        var decision = window.TryAdmit(1_000_000 + 499, 1, unlimited with { RequestsPerWindow = 501 });

        Assert.True(decision.Admitted);
        Assert.Equal(0, decision.RemainingRequests);
        Assert.Equal(1_000, window.PeakRequests);
    }

    private static (long Count, long Sum) InWindow(List<(long At, long Tokens)> admitted, long now)
    {
        long count = 0, sum = 0;
        foreach (var (at, tokens) in admitted)
        {
            if (at <= now - Limits.Window.Ticks) continue;
            count++;
            sum += tokens;
        }

        return (count, sum);
    }

    /// <summary>The first instant, after <paramref name="now"/>, at which the request would fit if nothing else were admitted.</summary>
    private static long EarliestFit(List<(long At, long Tokens)> admitted, long now, long tokens)
    {
        var candidates = admitted.Select(a => a.At + Limits.Window.Ticks).Where(t => t > now).Order();
        foreach (var t in candidates)
        {
            var (count, sum) = InWindow(admitted, t);
            if (count + 1 <= Limits.RequestsPerWindow && sum + tokens <= Limits.TokensPerWindow) return t;
        }

        throw new InvalidOperationException("the request never fits");
    }
}
