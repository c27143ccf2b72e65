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

        return 0;
    }

    private static bool TryArg(string[] args, int index, int fallback, out int value)
    {
        value = fallback;
        return args.Length <= index || (int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0);
    }
}
