namespace Dispatch.Cli.Run;

/// <summary>What <c>dispatch run</c> was asked to do.</summary>
internal sealed record RunOptions
{
    public required string Input { get; init; }

    public required string Output { get; init; }

    public string? Config { get; init; }

    public string? Endpoint { get; init; }

    public string? Url { get; init; }

    public string? Method { get; init; }

    public IReadOnlyList<string> Headers { get; init; } = [];

    public string? ApiKeyEnv { get; init; }

    public int? LimitRequests { get; init; }

    public long? LimitTokens { get; init; }

    public string? Interval { get; init; }

    /// <summary><c>--pacing</c>: smooth or burst.</summary>
    public string? Pacing { get; init; }

    /// <summary><c>--burst</c>: requests that may go out at once with smooth pacing.</summary>
    public int? Burst { get; init; }

    public int? Concurrency { get; init; }

    public int? MaxAttempts { get; init; }

    /// <summary>Whether a re-run skips the ids whose latest outcome failed, as well as the completed ones.</summary>
    public bool SkipFailed { get; init; }

    /// <summary>Whether the node's own logs go to standard error.</summary>
    public bool Verbose { get; init; }
}
