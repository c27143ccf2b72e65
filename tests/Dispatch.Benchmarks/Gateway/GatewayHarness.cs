using System.ClientModel;
using System.Globalization;
using Dispatch.Benchmarks.Pipeline;
using Round = Dispatch.Benchmarks.Pipeline.PipelineHarness.Round;

namespace Dispatch.Benchmarks.Gateway;

/// <summary>
/// <c>dotnet run -c Release --project tests/Dispatch.Benchmarks -- gateway [calls] [rounds]</c> (issue 15): the
/// official OpenAI .NET client asks FakeUpstream for chat completions directly and through a Dispatch node's
/// OpenAI-compatible gateway (<see cref="GatewayWorkload"/>), in alternating rounds, one call at a time and at
/// <see cref="Concurrency"/> concurrent callers, and prints p50/p99 per call and what the gateway adds. A third row
/// sends the same request through the node's pipeline alone (no SDK, no ingress hop), to show where the time goes.
/// Last, one streamed completion at a time each way: p50/p99 time to its first chunk, when the build streams.
/// </summary>
public static class GatewayHarness
{
    /// <summary>Concurrent callers in the second half of the run.</summary>
    public const int Concurrency = 16;

    /// <summary>Runs the comparison and prints the figures; 2 for a bad invocation.</summary>
    /// <param name="args">Optional: calls per round (default 2,000), rounds (default 5).</param>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!TryArg(args, 0, 2_000, out var calls) || !TryArg(args, 1, 5, out var rounds))
        {
            await Console.Error.WriteLineAsync($"gateway: calls and rounds must be whole numbers > 0 (was '{string.Join(' ', args)}')");
            return 2;
        }

        await using var workload = await GatewayWorkload.StartAsync();
        await Console.Error.WriteLineAsync("gateway: warming up");
        await PipelineWorkload.RunAsync(workload.DirectCallAsync, 2_000, concurrency: Concurrency);
        await PipelineWorkload.RunAsync(workload.GatewayCallAsync, 2_000, concurrency: Concurrency);
        await PipelineWorkload.RunAsync(workload.PipelineCallAsync, 2_000, concurrency: Concurrency);

        Console.WriteLine($"gateway: the OpenAI .NET client, chat completions from FakeUpstream in this process, {calls:N0} calls per round, {rounds} rounds, {Environment.ProcessorCount} cores (medians of rounds)");
        foreach (var concurrency in new[] { 1, Concurrency })
        {
            var direct = new List<Round>();
            var gateway = new List<Round>();
            var pipeline = new List<Round>();
            for (var round = 0; round < rounds; round++)
            {
                await Console.Error.WriteLineAsync($"gateway: round {round + 1} of {rounds}, {concurrency} concurrent");
                direct.Add(await PipelineHarness.MeasureAsync(workload.DirectCallAsync, calls, concurrency));
                gateway.Add(await PipelineHarness.MeasureAsync(workload.GatewayCallAsync, calls, concurrency));
                pipeline.Add(await PipelineHarness.MeasureAsync(workload.PipelineCallAsync, calls, concurrency));
            }

            var d = PipelineHarness.Median(direct);
            var g = PipelineHarness.Median(gateway);
            var p = PipelineHarness.Median(pipeline);
            Console.WriteLine($"{concurrency} concurrent:");
            Console.WriteLine($"  direct   {d.CallsPerSecond,8:N0} calls/s   p50 {d.P50,8:N1} µs   p99 {d.P99,8:N1} µs   {d.BytesPerCall,7:N0} B/call");
            Console.WriteLine($"  gateway  {g.CallsPerSecond,8:N0} calls/s   p50 {g.P50,8:N1} µs   p99 {g.P99,8:N1} µs   {g.BytesPerCall,7:N0} B/call");
            Console.WriteLine($"  added    p50 {g.P50 - d.P50:N1} µs   p99 {g.P99 - d.P99:N1} µs   {g.BytesPerCall - d.BytesPerCall:N0} B/call");
            Console.WriteLine($"  pipeline {p.CallsPerSecond,8:N0} calls/s   p50 {p.P50,8:N1} µs   p99 {p.P99,8:N1} µs   {p.BytesPerCall,7:N0} B/call   (the same request through the node's pipeline alone: no SDK, no ingress)");
        }

        await FirstChunksAsync(workload, calls, rounds);
        return 0;
    }

    /// <summary>Time to the first streamed chunk, direct and through the gateway; a build that does not stream yet says so.</summary>
    private static async Task FirstChunksAsync(GatewayWorkload workload, int calls, int rounds)
    {
        try
        {
            for (var i = 0; i < 200; i++)
            {
                await workload.DirectFirstChunkAsync();
                await workload.GatewayFirstChunkAsync();
            }
        }
        catch (Exception e) when (e is ClientResultException or InvalidOperationException or System.Text.Json.JsonException)
        {
            Console.WriteLine($"time to first streamed chunk: not measured, this build does not stream ({e.GetType().Name}: {e.Message.Split('\n')[0]})");
            return;
        }

        var direct = new List<(double P50, double P99)>();
        var gateway = new List<(double P50, double P99)>();
        for (var round = 0; round < rounds; round++)
        {
            await Console.Error.WriteLineAsync($"gateway: round {round + 1} of {rounds}, streamed, one at a time");
            direct.Add(await FirstChunkRoundAsync(workload.DirectFirstChunkAsync, calls));
            gateway.Add(await FirstChunkRoundAsync(workload.GatewayFirstChunkAsync, calls));
        }

        var (d50, d99) = (MedianOf(direct, r => r.P50), MedianOf(direct, r => r.P99));
        var (g50, g99) = (MedianOf(gateway, r => r.P50), MedianOf(gateway, r => r.P99));
        Console.WriteLine("time to first streamed chunk, one call at a time:");
        Console.WriteLine($"  direct   p50 {d50,8:N1} µs   p99 {d99,8:N1} µs");
        Console.WriteLine($"  gateway  p50 {g50,8:N1} µs   p99 {g99,8:N1} µs");
        Console.WriteLine($"  added    p50 {g50 - d50:N1} µs   p99 {g99 - d99:N1} µs");
    }

    private static async Task<(double P50, double P99)> FirstChunkRoundAsync(Func<Task<TimeSpan>> call, int calls)
    {
        var times = new double[calls];
        for (var i = 0; i < calls; i++) times[i] = (await call()).TotalMicroseconds;
        Array.Sort(times);
        return (times[calls / 2], times[(int)(calls * 0.99)]);
    }

    private static double MedianOf<T>(List<T> rounds, Func<T, double> figure) => rounds.Select(figure).Order().ElementAt(rounds.Count / 2);

    private static bool TryArg(string[] args, int index, int fallback, out int value)
    {
        value = fallback;
        return args.Length <= index || (int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0);
    }
}
