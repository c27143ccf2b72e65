namespace Dispatch.Cli.Bench;

/// <summary>
/// The process's context switches so far (voluntary and involuntary, summed over its threads), from
/// Linux's <c>/proc/self/task/*/status</c>: how often a thread gave up its core or had it taken, which
/// counts hand-offs between threads whatever else loads the machine. Threads that have already ended
/// are not counted, so a difference over a run is a floor.
/// </summary>
internal static class ContextSwitches
{
    private const string Tasks = "/proc/self/task";

    /// <summary>The count, or null where the kernel does not report it.</summary>
    public static long? Read()
    {
        if (!Directory.Exists(Tasks)) return null;
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories(Tasks))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                        total += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // The thread ended while it was read.
            }
        }

        return total;
    }
}
