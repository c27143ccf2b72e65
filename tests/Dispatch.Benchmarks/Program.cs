using BenchmarkDotNet.Running;

namespace Dispatch.Benchmarks;

/// <summary>Entry point: runs the BenchmarkDotNet suites chosen on the command line (see RESULTS.md).</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected by <paramref name="args"/>.</summary>
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
