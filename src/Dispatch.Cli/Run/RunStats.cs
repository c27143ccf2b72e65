using Dispatch.Core.Protocol;

namespace Dispatch.Cli.Run;

/// <summary>What a batch run has done so far; updated from many threads, read by the progress display.</summary>
internal sealed class RunStats
{
    private readonly Lock _durationsLock = new();
    private readonly List<double> _durationsMs = [];
    private long _completed;
    private long _failed;
    private long _malformed;
    private long _skipped;
    private long _resultRetries;
    private long _statusRetries;

    public RunStats(long total) => Total = total;

    /// <summary>Non-blank input lines.</summary>
    public long Total { get; }

    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Calls answered anything but Completed (malformed lines not included).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Lines whose id was already in the output.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Lines dealt with: written or skipped.</summary>
    public long Done => Completed + Failed + Malformed + Skipped;

    /// <summary>Lines without a result: not sent, or cut off, because the run was interrupted.</summary>
    public long Remaining => Math.Max(0, Total - Done);

    /// <summary>429 answers the node has received, from its status.</summary>
    public long RateLimited { get; set; }

    /// <summary>Retries made: the node's count, or at least the extra attempts of the results so far.</summary>
    public long Retries => Math.Max(Interlocked.Read(ref _statusRetries), Interlocked.Read(ref _resultRetries));

    /// <summary>Endpoints whose breaker is not closed, e.g. <c>openai-chat: Open</c>; empty when all are closed.</summary>
    public string Breakers { get; set; } = "";

    public void Record(APICallResult result)
    {
        if (result.IsSuccess) Interlocked.Increment(ref _completed);
        else Interlocked.Increment(ref _failed);
        if (result.Attempts > 1) Interlocked.Add(ref _resultRetries, result.Attempts - 1);
        lock (_durationsLock) _durationsMs.Add(result.TotalTime.TotalMilliseconds);
    }

    public void RecordMalformed() => Interlocked.Increment(ref _malformed);

    public void RecordSkipped() => Interlocked.Increment(ref _skipped);

    /// <summary>A percentile of call durations in milliseconds (0 when none).</summary>
    public double PercentileMs(double percentile)
    {
        lock (_durationsLock)
        {
            if (_durationsMs.Count == 0) return 0;
            var sorted = _durationsMs.Order().ToArray();
            var index = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
            return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
        }
    }

    public void Update(DispatchStatus status)
    {
        RateLimited = status.Endpoints.Sum(e => e.Counters.RateLimited);
        Interlocked.Exchange(ref _statusRetries, status.Endpoints.Sum(e => e.Counters.Retries));
        Breakers = string.Join(", ", status.Endpoints.Where(e => e.Breaker != BreakerState.Closed).Select(e => $"{e.Endpoint}: {e.Breaker}"));
    }
}
