namespace Dispatch.Cli.Tests.Cluster;

/// <summary>Many calls posted to the ingresses of some nodes, a bounded number outstanding at once.</summary>
internal static class CallLoad
{
    /// <summary>Posts calls <c>{prefix}0</c> … to <paramref name="submitters"/> in turn and returns every outcome.</summary>
    public static async Task<CallOutcome[]> SubmitAsync(IReadOnlyList<NodeProcess> submitters, string prefix, int calls, int outstanding)
    {
        using var gate = new SemaphoreSlim(outstanding);
        return await Task.WhenAll(Enumerable.Range(0, calls).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return await submitters[i % submitters.Count].SubmitAsync($"{prefix}{i}");
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
