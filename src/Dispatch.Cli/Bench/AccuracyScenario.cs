using System.Diagnostics;
using Dispatch.FakeUpstream;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Cli.Bench;

/// <summary>
/// Accuracy: an upstream limited to 600 requests and 60,000 tokens per 10 s sliding window,
/// calls of varied size, and far more demand than the limits allow, for a fixed time. How close
/// each client gets to the limits without crossing them.
/// </summary>
internal static class AccuracyScenario
{
    private const int Requests = 600;
    private const int Tokens = 60_000;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    /// <summary>Runs the scenario for Polly and Dispatch (the raw client has no limiter to measure).</summary>
    public static async Task<ScenarioResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var duration = settings.Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(40);
        // More calls than any client can finish in the time: demand stays far above the limits.
        var calls = Workload.Create((int)duration.TotalSeconds * 200, BenchSettings.Seed, 10, 150);
        var profile = new ClientProfile { Concurrency = settings.Concurrency, Requests = Requests, Tokens = Tokens, Window = Window };
        var windows = duration / Window;
        var clients = new List<ClientResult>();
        var checks = new List<TargetCheck>();
        // Dispatch runs with its defaults, the rate limiter's guard (headroom for arrival jitter) included.
        var runs = new[] { (Name: "Polly", Kind: ClientKind.Polly), (Name: "Dispatch", Kind: ClientKind.Dispatch) };
        foreach (var (name, kind) in runs)
        {
            settings.Log.WriteLine($"accuracy: {name} for {duration.TotalSeconds:0} s");
            await using var upstream = await FakeUpstreamServer.StartAsync(
                new FakeUpstreamOptions { Limits = new UpstreamLimits { RequestsPerWindow = Requests, TokensPerWindow = Tokens, Window = Window } },
                cancellationToken).ConfigureAwait(false);
            await using var client = BenchClients.Create(kind, upstream, profile);
            using var stop = new CancellationTokenSource();
            using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = LoadDriver.RunAsync(client, calls, settings.Concurrency, stop.Token, abort.Token);
            await Task.Delay(duration, cancellationToken).ConfigureAwait(false);
            var counters = upstream.Counters;
            var admitted = counters.ResponsesWithStatus(200);
            var tokens = counters.TokensCharged;
            var throttled = counters.Throttled;
            var peakRequests = counters.MaxRequestsInWindow;
            var peakTokens = counters.MaxTokensInWindow;
            stop.Cancel();
            await abort.CancelAsync().ConfigureAwait(false);
            var run = await running.ConfigureAwait(false);

            var requestUse = admitted / (Requests * windows);
            var tokenUse = tokens / (Tokens * windows);
            var utilisation = Math.Max(requestUse, tokenUse);
            var completions = Enumerable.Range(0, run.Started)
                .Where(i => run.Finished[i] && run.Outcomes[i].Status == OutcomeStatus.Completed)
                .Select(i => (run.EndedAt[i], (long)calls[i].Tokens)).ToList();
            var (seenRequests, seenTokens) = WindowAudit.Busiest(completions, (long)(Window.TotalSeconds * Stopwatch.Frequency));
            clients.Add(new ClientResult(name,
            [
                new Metric("429s received", throttled),
                new Metric("busiest window: requests (limit 600)", peakRequests),
                new Metric("busiest window: tokens (limit 60,000)", peakTokens),
                new Metric("request utilisation (%)", Math.Round(100 * requestUse, 1)),
                new Metric("token utilisation (%)", Math.Round(100 * tokenUse, 1)),
                new Metric("utilisation of the binding limit (%)", Math.Round(100 * utilisation, 1)),
                new Metric("completions in busiest 10 s, client clock", seenRequests),
                new Metric("tokens in busiest 10 s, client clock", seenTokens),
            ]));
            if (name == "Dispatch")
            {
                checks.Add(new TargetCheck("Dispatch: zero 429s", $"{throttled} 429s, busiest window {peakRequests} requests / {peakTokens} tokens", throttled == 0 && peakRequests <= Requests && peakTokens <= Tokens));
                checks.Add(new TargetCheck("Dispatch: utilisation ≥ 95%", $"{utilisation:P1} of the binding limit over {duration.TotalSeconds:0} s", utilisation >= 0.95));
            }
        }

        return new ScenarioResult("accuracy",
            $"upstream limits 600 requests and 60,000 tokens per 10 s sliding window; prompts 10–150 tokens (seeded); {settings.Concurrency} callers for {duration.TotalSeconds:0} s",
            clients, checks);
    }
}
