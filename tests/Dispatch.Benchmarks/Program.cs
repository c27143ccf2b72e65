using BenchmarkDotNet.Running;
using Dispatch.Benchmarks.Cluster;
using Dispatch.Benchmarks.Gateway;
using Dispatch.Benchmarks.Pipeline;

namespace Dispatch.Benchmarks;

/// <summary>Entry point: runs the BenchmarkDotNet suites chosen on the command line (see RESULTS.md), <c>pipeline</c> for the latency harness, <c>cluster</c> for issue 12's cluster benchmark, or <c>gateway</c> for issue 15's.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected by <paramref name="args"/>; <c>pipeline [calls] [rounds]</c> runs <see cref="PipelineHarness"/>, <c>cluster ...</c> <see cref="ClusterHarness"/>, <c>gateway [calls] [rounds]</c> <see cref="GatewayHarness"/>.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "pipeline") return await PipelineHarness.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "cluster") return await ClusterHarness.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "gateway") return await GatewayHarness.RunAsync(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
