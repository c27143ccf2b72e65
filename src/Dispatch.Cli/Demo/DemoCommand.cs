using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Dispatch.Cli.Commands;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.Hosting.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Dispatch.Cli.Demo;

/// <summary>
/// <c>dispatch demo</c>: a fake provider with real limits, latency and a few server errors, in
/// this process; a full node in front of it; N chat calls fired at once; the summary. Shows the
/// point of Dispatch: every call completes, the provider never answers 429, failures are retried.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The provider's window: short, so the demo shows limiting within seconds.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var calls = new Option<int>("--calls", "-n") { Description = "How many calls to send.", DefaultValueFactory = _ => 300 };
        var rpw = new Option<int>("--requests-per-window") { Description = "The fake provider's request limit per 5 s window.", DefaultValueFactory = _ => 100 };
        var faultRate = new Option<double>("--fault-rate") { Description = "Probability of an injected 500/503 per request.", DefaultValueFactory = _ => 0.03 };
        var pacing = PacingOptions.Pacing();
        var burst = PacingOptions.Burst();
        var command = new Command("demo", "Run N calls through a full node against an in-process fake provider with realistic limits and latency, and print the summary.")
        {
            calls, rpw, faultRate, pacing, burst,
        };
        command.SetAction(async (parse, _) =>
        {
            using var termination = new Termination();
            return await RunAsync(parse.GetValue(calls), parse.GetValue(rpw), parse.GetValue(faultRate), AnsiConsole.Console, termination.Token,
                parse.GetValue(pacing), parse.GetValue(burst));
        });
        return command;
    }

    internal static async Task<int> RunAsync(int calls, int requestsPerWindow, double faultRate, IAnsiConsole console, CancellationToken cancellationToken,
        string? pacing = null, int? burst = null)
    {
        if (PacingOptions.Check(pacing, burst) is { } invalid)
        {
            await Console.Error.WriteLineAsync("dispatch demo: " + invalid);
            return 2;
        }

        if (calls <= 0 || requestsPerWindow <= 0 || faultRate is < 0 or >= 1)
        {
            await Console.Error.WriteLineAsync("dispatch demo: --calls and --requests-per-window must be > 0, --fault-rate in [0, 1)");
            return 2;
        }

        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new RateLimitOptions { RequestsPerWindow = requestsPerWindow, TokensPerWindow = requestsPerWindow * 400L, Window = Window },
            Latency = LatencyOptions.FromPercentiles(TimeSpan.FromMilliseconds(80), TimeSpan.FromMilliseconds(160), TimeSpan.FromMilliseconds(350)),
            Faults = faultRate > 0 ? FaultOptions.Spread(faultRate, FaultKind.InternalServerError, FaultKind.ServiceUnavailable) : FaultOptions.None,
        }, cancellationToken);

        // Dispatch keeps a margin under the provider's limit (5% fewer requests, a 10% longer window):
        // requests reach the provider a little after they are granted, by varying amounts, so a
        // window at the provider can hold slightly more than the same window at Dispatch.
        var margin = Math.Max(1, requestsPerWindow * 95 / 100);
        var interval = (long)(Window.TotalMilliseconds * 1.1);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddDispatch(d =>
        {
            d.LogToConsole = false;
            // A second Ctrl-C ends the demo at once (see Termination), not after Akka's exit hook has drained the node.
            d.ConfigureAkka(CommandLifetime.WithoutClrExitHook);
            d.AddHocon(string.Create(CultureInfo.InvariantCulture, $$"""
                dispatch.endpoints.demo-chat {
                  base-url = "{{upstream.BaseUrl}}"
                  path = /v1/chat/completions
                  rate-limit { requests = {{margin}}, tokens = {{margin * 400L}}, interval = {{interval}}ms }
                  executor.concurrency = 16
                  retry { max-attempts = 6, base-delay = 100ms, max-delay = 2s }
                  breaker.max-failures = 20
                }
                """), "demo");
            PacingOptions.Apply(d, pacing, burst);
        });
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var dispatch = host.Services.GetRequiredService<IRequiredActor<DispatchActor>>().ActorRef;
        using var client = new DispatchClient(host.Services.GetRequiredService<ActorSystem>(), dispatch);

        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"[bold]dispatch demo[/]: {calls} chat calls at once to a fake provider at {upstream.BaseUrl} allowing {requestsPerWindow} requests per {Window.TotalSeconds:0} s, with 80-350 ms latency and {faultRate:P0} server errors."));
        var clock = Stopwatch.StartNew();
        var results = new APICallResult[calls];
        var finished = 0;
        await console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("calls", maxValue: calls);
                var all = Enumerable.Range(0, calls).Select(async i =>
                {
                    results[i] = await client.SendAsync(new APICalling($"demo-{i}", "demo-chat", Payload(i)));
                    task.Value = Interlocked.Increment(ref finished);
                });
                await Task.WhenAll(all);
            });
        clock.Stop();
        await host.StopAsync(CancellationToken.None);

        var counters = upstream.Counters.Snapshot(includeCallIds: false);
        var completed = results.Count(r => r.IsSuccess);
        var durations = results.Select(r => r.TotalTime.TotalMilliseconds).Order().ToArray();
        var table = new Table().Border(TableBorder.Rounded).Title("dispatch demo").AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        table.AddRow("calls completed", $"{completed} / {calls}");
        table.AddRow("throughput", string.Create(CultureInfo.InvariantCulture, $"{calls / clock.Elapsed.TotalSeconds:0.0} calls/s in {clock.Elapsed.TotalSeconds:0.0} s"));
        table.AddRow("429s from the provider", counters.Throttled.ToString(CultureInfo.InvariantCulture));
        table.AddRow("server errors injected", counters.FaultsInjected.ToString(CultureInfo.InvariantCulture));
        table.AddRow("retries", results.Sum(r => Math.Max(0, r.Attempts - 1)).ToString(CultureInfo.InvariantCulture));
        table.AddRow("peak requests in one window", string.Create(CultureInfo.InvariantCulture, $"{counters.MaxRequestsInWindow} (limit {requestsPerWindow})"));
        table.AddRow("time to result p50 / p99 (queueing included)", string.Create(CultureInfo.InvariantCulture, $"{Percentile(durations, 50):0} ms / {Percentile(durations, 99):0} ms"));
        console.Write(table);
        return completed == calls ? 0 : 1;
    }

    private static string Payload(int i) => JsonSerializer.Serialize(new
    {
        model = "gpt-4o-mini",
        messages = new[] { new { role = "user", content = $"Write a one-line haiku about request number {i}." } },
        max_tokens = 40,
    });

    private static double Percentile(double[] sorted, double percentile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
