using System.Globalization;
using System.Text;
using System.Text.Json;
using Dispatch.Cli.Tests.Support;
using Dispatch.FakeUpstream;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Cli.Tests.Cluster;

/// <summary>
/// Three <c>dispatch node</c> processes in one Akka.Cluster over Akka.Remote on 127.0.0.1, sharing the limit of one
/// real fake upstream (the same limit on both sides), while calls are posted to every node's ingress: to
/// <c>POST /v1/calls</c>, or as OpenAI chat requests to its gateway.
/// </summary>
public sealed class NodeClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Api = "api";
    private const string Model = "chat-model";
    private const int Limit = 30;
    private const int CallsPerNode = 40;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Other test processes share the machine's cores, and a node process can stall for seconds (Akka warns of delayed
    /// heartbeats): a grant's way to the upstream can take far longer than the default 40 ms guard of a 2 s interval.
    /// </summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(1);

    private FakeUpstreamServer _upstream = null!;
    private NodeCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new UpstreamLimits { RequestsPerWindow = Limit, Window = Window },
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        });
        // The provider's chat route: the gateway's requests get chat completions, and the calls to /v1/calls carry a chat body too.
        _cluster = await NodeCluster.StartAsync(3, NodeCluster.Endpoint(Api, _upstream.BaseUrl, Limit, Window, Guard, concurrency: 16) + $$"""
            dispatch.endpoints.{{Api}}.path = /v1/chat/completions
            dispatch.gateway.models { "{{Model}}" = {{Api}} }
            dispatch.shutdown.drain-timeout = 30s
            """, output);
        await WarmUpAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Killing_the_quota_owners_process_stalls_the_others_about_one_window_and_causes_no_429()
    {
        var (owner, calls) = await StartRunAsync();
        owner.Kill();
        var killedAt = _cluster.Clock.Elapsed;
        _cluster.Log($"killed {owner.Name}, the owner");
        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(120));

        var survivors = results.Where(r => r.Node != owner.Name).ToArray();
        var (gap, from) = LongestGap(killedAt, survivors.Select(r => r.Answered).Where(t => t > killedAt));
        _cluster.Log(string.Create(CultureInfo.InvariantCulture,
            $"{survivors.Length} calls to survivors; {_upstream.Counters.Throttled} 429s; longest gap after the kill {gap.TotalSeconds:F1}s from {from.TotalSeconds:F1}s; last answer {survivors.Max(r => r.Answered).TotalSeconds:F1}s"));
        Assert.All(survivors, AnsweredOnceAndCompleted);
        Assert.Equal(0, _upstream.Counters.Throttled);
        Assert.All(survivors, r => Assert.Equal(1, _upstream.Counters.ArrivalsOf(r.Id)));
        // The survivors still had calls waiting when the owner died: they were granted by the new owner.
        Assert.Contains(survivors, r => r.Answered > killedAt + DetectionAndRemoval);
        Assert.InRange(gap, TimeSpan.Zero, DetectionAndRemoval + Window + Guard + Slack);
    }

    [Fact]
    public async Task A_node_leaving_on_sigterm_while_calls_flow_loses_no_call_and_causes_no_429()
    {
        var (owner, calls) = await StartRunAsync();
        var survivors = _cluster.Nodes.Where(n => n != owner).ToArray();
        using var posting = new CancellationTokenSource();
        // Calls go on through the owner's drain and the quota's hand-over, or the run could end before the new owner grants.
        var flowing = KeepCallsWaitingAsync(survivors, "flow", posting.Token);
        owner.Terminate();
        var terminatedAt = _cluster.Clock.Elapsed;
        _cluster.Log($"SIGTERM to {owner.Name}, the owner");
        var newOwner = await _cluster.QuotaOwnerAsync(Api, other: owner);
        var newOwnerSeenAt = _cluster.Clock.Elapsed;
        _cluster.Log($"{newOwner.Name} holds the quota; calls go on for two windows more");
        posting.CancelAfter(2 * Window);
        var results = await Task.WhenAll(calls.Concat(await flowing)).WaitAsync(TimeSpan.FromSeconds(120));
        var exitCode = await owner.Process.WaitAsync(TimeSpan.FromSeconds(60));

        var answeredAfter = results.Count(r => r.Answered > newOwnerSeenAt);
        var gaps = survivors.Select(n => (n.Name, Gap: LongestGap(terminatedAt, results.Where(r => r.Node == n.Name && r.Answered > terminatedAt).Select(r => r.Answered))));
        _cluster.Log(string.Create(CultureInfo.InvariantCulture,
            $"{results.Length} calls; {newOwner.Name} seen holding the quota {(newOwnerSeenAt - terminatedAt).TotalSeconds:F1}s after the SIGTERM; {answeredAfter} answered after that; " +
            $"longest gap between a survivor's answers after the SIGTERM: {string.Join(", ", gaps.Select(g => $"{g.Name} {g.Gap.Gap.TotalSeconds:F1}s from {g.Gap.From.TotalSeconds:F1}s"))}; " +
            $"{_upstream.Counters.Throttled} 429s; {owner.Name} exited {exitCode}"));
        Assert.All(results, AnsweredOnceAndCompleted);
        Assert.Equal(0, _upstream.Counters.Throttled);
        Assert.All(results, r => Assert.Equal(1, _upstream.Counters.ArrivalsOf(r.Id)));
        // Calls kept flowing across the hand-over: the survivors had a window's worth each waiting when the new owner was seen
        // and got more for two windows, so far more than a window's worth is answered after that (a run whose calls stop at
        // the SIGTERM answers a handful then).
        Assert.InRange(answeredAfter, Limit, results.Length);
        Assert.Contains($"took over the window of {owner.Address}", newOwner.Process.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, exitCode);
        Assert.Contains("Dispatch drained", owner.Process.StandardOutput);
        await _cluster.UntilUpAsync(2);
    }

    [Fact]
    public async Task Every_nodes_gateway_shares_the_quota_so_every_openai_request_succeeds_and_none_meets_a_429()
    {
        var before = await CompletedPerNodeAsync();

        // Eight windows' worth of the shared limit, posted at once: the provider's limit binds.
        var answers = await Task.WhenAll(Enumerable.Range(0, 2 * CallsPerNode * _cluster.Nodes.Count)
            .Select(i => ChatAsync(_cluster.Nodes[i % _cluster.Nodes.Count], $"gateway-{i}"))).WaitAsync(TimeSpan.FromSeconds(120));
        var after = await CompletedPerNodeAsync();

        _cluster.Log($"{answers.Length} gateway calls; {_upstream.Counters.Throttled} 429s");
        Assert.All(answers, AnsweredWithAChatCompletion);
        Assert.Equal(0, _upstream.Counters.Throttled);
        Assert.Equal(0, _upstream.Counters.ResponsesWithStatus(429));
        Assert.All(answers, a => Assert.Equal(1, _upstream.Counters.ArrivalsOf(a.Id)));
        // Calls run on the node they entered: each node completed its share.
        Assert.All(_cluster.Nodes, n => Assert.Equal(2 * CallsPerNode, after[n.Name] - before[n.Name]));
    }

    /// <summary>
    /// How long Akka takes to remove a killed node and start its singletons elsewhere, from its settings: the failure
    /// detector's acceptable pause (3 s) and heartbeat (1 s), the split brain resolver's stable-after before downing, a
    /// gossip round to remove it, and the singleton's removal margin (stable-after again).
    /// </summary>
    private static readonly TimeSpan DetectionAndRemoval = TimeSpan.FromSeconds(3 + 1 + 1) + 2 * NodeCluster.StableAfter;

    /// <summary>Room for a machine shared with other test runs; the bound still fails a stall of several windows more.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(8);

    /// <summary>Finds the quota's owner, posts four windows' worth of calls to every node and waits until one window's worth is answered.</summary>
    private async Task<(ClusterNode Owner, List<Task<PostedCall>> Calls)> StartRunAsync()
    {
        var owner = await _cluster.QuotaOwnerAsync(Api);
        var calls = PostToEveryNode("run", CallsPerNode);
        await Poll.Until(() => calls.Count(c => c.IsCompleted) >= Limit, NodeCluster.StartTimeout, "a window's worth of calls is answered");
        return (owner, calls);
    }

    private static void AnsweredOnceAndCompleted(PostedCall call)
    {
        Assert.Equal(200, call.HttpStatus);
        Assert.Equal(call.Id, call.ResultId);
        Assert.Equal("Completed", call.Status);
    }

    /// <summary>One OpenAI chat request as a node's gateway answered it.</summary>
    private sealed record ChatAnswer(string Node, string Id, int HttpStatus, string? CallId, string? Object, string Body);

    private static void AnsweredWithAChatCompletion(ChatAnswer answer)
    {
        Assert.True(answer.HttpStatus == 200, $"{answer.Id} on {answer.Node}: {answer.HttpStatus} {answer.Body}");
        Assert.Equal(answer.Id, answer.CallId);
        Assert.Equal("chat.completion", answer.Object);
    }

    /// <summary>Posts an OpenAI chat request to <paramref name="node"/>'s gateway with <paramref name="id"/> as its <c>Idempotency-Key</c>.</summary>
    private static async Task<ChatAnswer> ChatAsync(ClusterNode node, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"{{Model}}","messages":[{"role":"user","content":"{{id}}"}],"max_tokens":5}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", id);
        using var response = await node.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var callId = response.Headers.TryGetValues("x-dispatch-call-id", out var values) ? values.Single() : null;
        string? kind = null;
        try
        {
            kind = JsonDocument.Parse(body).RootElement.TryGetProperty("object", out var o) ? o.GetString() : null;
        }
        catch (JsonException)
        {
            // Not JSON: the assertion shows the body.
        }

        return new ChatAnswer(node.Name, id, (int)response.StatusCode, callId, kind, body);
    }

    /// <summary>Each node's count of calls completed on the endpoint, from its status.</summary>
    private async Task<Dictionary<string, long>> CompletedPerNodeAsync()
    {
        var completed = new Dictionary<string, long>();
        foreach (var node in _cluster.Nodes)
        {
            var endpoint = (await node.GetStatusAsync()).GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("endpoint").GetString() == Api);
            completed[node.Name] = endpoint.GetProperty("counters").GetProperty("completed").GetInt64();
        }

        return completed;
    }

    /// <summary>Posts <paramref name="perNode"/> calls to every node at once (<see cref="CallsPerNode"/>: four windows' worth of the shared limit).</summary>
    private List<Task<PostedCall>> PostToEveryNode(string prefix, int perNode) =>
        Enumerable.Range(0, perNode * _cluster.Nodes.Count)
            .Select(i => _cluster.Nodes[i % _cluster.Nodes.Count].PostCallAsync($"{prefix}-{i}", Api, _cluster.Clock))
            .ToList();

    /// <summary>
    /// Keeps a window's worth of calls waiting on each of <paramref name="nodes"/>, posting one to a node whenever fewer wait
    /// there, until <paramref name="stop"/>, and returns them: the limit binds throughout, and the calls flow as fast as it
    /// lets them, however fast the machine is.
    /// </summary>
    private async Task<List<Task<PostedCall>>> KeepCallsWaitingAsync(IReadOnlyList<ClusterNode> nodes, string prefix, CancellationToken stop)
    {
        var calls = nodes.ToDictionary(n => n, _ => new List<Task<PostedCall>>());
        var stopped = Task.Delay(Timeout.Infinite, stop);
        var posted = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var (node, own) in calls)
            {
                for (var waiting = own.Count(c => !c.IsCompleted); waiting < Limit; waiting++)
                    own.Add(node.PostCallAsync($"{prefix}-{posted++}", Api, _cluster.Clock));
            }

            await Task.WhenAny(calls.Values.SelectMany(c => c).Where(c => !c.IsCompleted).Append(stopped));
        }

        return calls.Values.SelectMany(c => c).ToList();
    }

    /// <summary>
    /// A few calls through every node first (JIT, connections: a cold process can deliver its first requests later
    /// than the guard allows for); then they leave every window and the upstream's counters start again.
    /// </summary>
    private async Task WarmUpAsync()
    {
        var warm = await Task.WhenAll(PostToEveryNode("warm", 8)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(warm, AnsweredOnceAndCompleted);
        await Task.Delay(Window + Guard + Guard);
        _upstream.Reset();
    }

    /// <summary>The longest time without an answer from <paramref name="start"/> on, and when it began.</summary>
    private static (TimeSpan Gap, TimeSpan From) LongestGap(TimeSpan start, IEnumerable<TimeSpan> answers)
    {
        var times = answers.Append(start).Order().ToArray();
        var (gap, from) = (TimeSpan.Zero, TimeSpan.Zero);
        for (var i = 1; i < times.Length; i++)
        {
            if (times[i] - times[i - 1] > gap) (gap, from) = (times[i] - times[i - 1], times[i - 1]);
        }

        return (gap, from);
    }
}
