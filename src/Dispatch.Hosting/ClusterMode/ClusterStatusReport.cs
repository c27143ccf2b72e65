using System.Globalization;
using System.Text;
using Dispatch.Cluster;
using Dispatch.Cluster.Budget;
using Dispatch.Cluster.Redis;
using Dispatch.Hosting.Configuration;

namespace Dispatch.Hosting.ClusterMode;

/// <summary>
/// A cluster as <c>GET /v1/status</c> (its <c>cluster</c> field) and <c>dispatch node status</c> show it: the live
/// nodes with their in-flight calls and last heartbeat, and each endpoint's shared credits.
/// </summary>
/// <param name="Node">The node that answered, or null when read by a client that is no node.</param>
/// <param name="Redis">The Redis endpoint.</param>
/// <param name="KeyPrefix">The cluster's key prefix.</param>
/// <param name="At">When the report was made.</param>
/// <param name="Nodes">The live nodes, by name.</param>
/// <param name="Credits">Each endpoint's shared credits, by endpoint name.</param>
/// <param name="Error">Why Redis could not be read; the lists are then empty.</param>
public sealed record ClusterStatusReport(
    string? Node,
    string Redis,
    string KeyPrefix,
    DateTimeOffset At,
    IReadOnlyList<ClusterNodeReport> Nodes,
    IReadOnlyList<SharedCreditsReport> Credits,
    string? Error = null)
{
    /// <summary>The report of a status read from Redis.</summary>
    /// <param name="status">What Redis holds.</param>
    /// <param name="options">The cluster's options.</param>
    /// <param name="node">The node that answered, if any.</param>
    /// <param name="now">The current time, for heartbeat ages.</param>
    public static ClusterStatusReport From(ClusterStatus status, ClusterOptions options, string? node, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(options);
        var nodes = status.Nodes
            .Select(n => new ClusterNodeReport(n.Name, n.Endpoints, n.InFlight, n.StartedAt, n.LastSeen, Math.Max(0, (now - n.LastSeen).TotalSeconds)))
            .ToArray();
        var credits = status.Budgets.Select(pair => SharedCreditsReport.From(pair.Key, pair.Value)).ToArray();
        return new ClusterStatusReport(node, options.Redis.Endpoint, options.KeyPrefix, now, nodes, credits);
    }

    /// <summary>The report of a Redis that could not be read.</summary>
    public static ClusterStatusReport Unreachable(ClusterOptions options, string? node, DateTimeOffset now, string error)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ClusterStatusReport(node, options.Redis.Endpoint, options.KeyPrefix, now, [], [], error);
    }

    /// <summary>
    /// Reads the cluster a configuration points at, as a client that is no node (it joins nothing and writes no
    /// membership): the live nodes, and the shared credits of the configuration's endpoints.
    /// </summary>
    /// <param name="settings">The settings; cluster mode need not be enabled in them.</param>
    /// <param name="environment">Reads the Redis password's variable.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public static async Task<ClusterStatusReport> ReadAsync(DispatchSettings settings, Func<string, string?> environment, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // A name of its own: the reader must not touch the keys of a live node that has the configured name.
        var options = settings.Cluster.Resolve(environment, time) with { NodeName = $"status-reader-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}" };
        var reader = new ClusterNode(options, settings.Dispatch);
        await using (reader.ConfigureAwait(false))
        {
            var status = await reader.StatusAsync(cancellationToken).ConfigureAwait(false);
            return From(status, options, null, time.GetUtcNow());
        }
    }

    /// <summary>The report as aligned text for a terminal.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"cluster '{KeyPrefix}' on Redis {Redis}");
        if (Error is not null) return text.Append(CultureInfo.InvariantCulture, $": {Error}").AppendLine().ToString();
        text.Append(CultureInfo.InvariantCulture, $": {Nodes.Count} live node(s)").AppendLine();
        AppendTable(text, ["NODE", "ENDPOINTS", "IN-FLIGHT", "LAST HEARTBEAT"],
            Nodes.Select(n => new[] { n.Name, n.Endpoints.Count == 0 ? "-" : string.Join(",", n.Endpoints), Number(n.InFlight), $"{n.LastHeartbeatAgeSeconds:0.0}s ago" }));
        text.AppendLine("shared credits (counted in the current window / limit):");
        AppendTable(text, ["ENDPOINT", "REQUESTS", "TOKENS", "WINDOW", "PAUSED"],
            Credits.Select(c => new[]
            {
                c.Endpoint, $"{Number(c.Requests)}/{Limit(c.RequestLimit)}", $"{Number(c.Tokens)}/{Limit(c.TokenLimit)}",
                $"{c.IntervalSeconds:0.###}s", c.PausedForSeconds > 0 ? $"{c.PausedForSeconds:0.0}s more" : "no",
            }));
        return text.ToString();
    }

    private static void AppendTable(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = header.Select((_, column) => all.Max(row => row[column].Length)).ToArray();
        foreach (var row in all)
        {
            text.Append("  ");
            for (var column = 0; column < row.Length; column++)
                text.Append(column == row.Length - 1 ? row[column] : row[column].PadRight(widths[column] + 2));
            text.AppendLine();
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Limit(long? limit) => limit is { } value ? Number(value) : "unlimited";
}

/// <summary>One live node as its last heartbeat described it.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="Endpoints">The endpoints it serves.</param>
/// <param name="InFlight">Calls it was working on at its last heartbeat.</param>
/// <param name="StartedAt">When it started, on its clock.</param>
/// <param name="LastSeen">When it last heartbeated, on its clock.</param>
/// <param name="LastHeartbeatAgeSeconds">Seconds since that heartbeat, on the reader's clock.</param>
public sealed record ClusterNodeReport(string Name, IReadOnlyList<string> Endpoints, long InFlight, DateTimeOffset StartedAt, DateTimeOffset LastSeen, double LastHeartbeatAgeSeconds);

/// <summary>An endpoint's credits as all nodes share them.</summary>
/// <param name="Endpoint">The endpoint's name.</param>
/// <param name="Requests">Requests counted in the current window (leases count in full until returned).</param>
/// <param name="RequestLimit">Requests allowed per window; null when unlimited.</param>
/// <param name="RequestsLeft">Request credits any node could still get now; null when unlimited.</param>
/// <param name="Tokens">Tokens counted in the current window.</param>
/// <param name="TokenLimit">Tokens allowed per window; null when unlimited.</param>
/// <param name="TokensLeft">Token credits any node could still get now; null when unlimited.</param>
/// <param name="IntervalSeconds">The window's length in seconds.</param>
/// <param name="PausedForSeconds">How much longer a 429 pauses the endpoint on every node; 0 when it is not paused.</param>
public sealed record SharedCreditsReport(
    string Endpoint, long Requests, long? RequestLimit, long? RequestsLeft, long Tokens, long? TokenLimit, long? TokensLeft, double IntervalSeconds, double PausedForSeconds)
{
    internal static SharedCreditsReport From(string endpoint, BudgetUsage usage)
    {
        var requestsLimited = usage.Limits.Requests < BudgetLimits.MaxLimit;
        var tokensLimited = usage.Limits.Tokens < BudgetLimits.MaxLimit;
        return new SharedCreditsReport(
            endpoint,
            usage.Requests,
            requestsLimited ? usage.Limits.Requests : null,
            requestsLimited ? usage.RequestsLeft : null,
            usage.Tokens,
            tokensLimited ? usage.Limits.Tokens : null,
            tokensLimited ? usage.TokensLeft : null,
            usage.Limits.Interval.TotalSeconds,
            usage.PausedFor.TotalSeconds);
    }
}
