namespace Dispatch.Cluster;

/// <summary>The names of the Redis keys cluster mode uses, under <see cref="ClusterOptions.KeyPrefix"/>.</summary>
/// <param name="Prefix">The key prefix (<c>dispatch</c> by default).</param>
public sealed record ClusterKeys(string Prefix)
{
    /// <summary>The stream of calls waiting for an endpoint: <c>{prefix}:{endpoint}:calls</c>.</summary>
    public string Calls(string endpoint) => $"{Prefix}:{endpoint}:calls";

    /// <summary>A call's stored final result: <c>{prefix}:result:{callId}</c>.</summary>
    public string Result(string callId) => $"{Prefix}:result:{callId}";

    /// <summary>A node's membership hash: <c>{prefix}:node:{name}</c>.</summary>
    public string Node(string name) => $"{Prefix}:node:{name}";

    /// <summary>The stream of results for calls a node submitted: <c>{prefix}:node:{name}:replies</c>.</summary>
    public string Replies(string name) => $"{Prefix}:node:{name}:replies";

    /// <summary>A key a node writes once and checks on every reconnect: when it is gone, Redis lost its data.</summary>
    public string Marker(string name) => $"{Prefix}:node:{name}:marker";

    /// <summary>The set of node names that have heartbeated (dead ones are removed when found expired).</summary>
    public string Nodes => $"{Prefix}:nodes";

    /// <summary>The consumer group every node reads the call streams through.</summary>
    public string Group => $"{Prefix}-executors";
}
