using System.Text;
using Dispatch.Cli.Bench;
using Dispatch.FakeUpstream.Tokens;

namespace Dispatch.Cli.Tests.Bench;

public sealed class WorkloadTests
{
    [Fact]
    public void Every_call_costs_exactly_what_the_fake_upstream_charges()
    {
        var calls = Workload.Create(500, seed: 3, minPromptTokens: 1, maxPromptTokens: 150);

        foreach (var call in calls)
            Assert.Equal(call.Tokens, TokenEstimator.ReadChat(Encoding.UTF8.GetBytes(call.Payload)).TotalTokens);
    }

    [Fact]
    public void The_same_seed_gives_the_same_workload()
    {
        var first = Workload.Create(100, seed: 11, minPromptTokens: 10, maxPromptTokens: 150);
        var second = Workload.Create(100, seed: 11, minPromptTokens: 10, maxPromptTokens: 150);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Call_sizes_vary_within_the_prompt_range()
    {
        var calls = Workload.Create(1_000, seed: 5, minPromptTokens: 10, maxPromptTokens: 150);

        // Prompt p in [10, 150] and max_tokens in [1, p]: the charge lies in [11, 300].
        Assert.All(calls, c => Assert.InRange(c.Tokens, 11, 300));
        Assert.True(calls.Select(c => c.Tokens).Distinct().Count() > 100);
    }

    [Fact]
    public void Call_ids_are_unique() =>
        Assert.Equal(1_000, Workload.Create(1_000, seed: 5, 1, 4).Select(c => c.CallId).Distinct().Count());
}
