using System.Diagnostics;
using Xunit.Sdk;

namespace Dispatch.Testing;

/// <summary>Time-boxed blocks and polling assertions.</summary>
public abstract partial class TestKitBase
{
    private static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Runs <paramref name="action"/>, which must finish within <paramref name="max"/> (dilated); expectations inside default to the time left.</summary>
    public void Within(TimeSpan max, Action action) => Within(TimeSpan.Zero, max, action);

    /// <summary>Runs <paramref name="action"/>, which must take at least <paramref name="min"/> and at most <paramref name="max"/> (dilated). Blocks nest: an inner block never outlasts the outer one.</summary>
    public void Within(TimeSpan min, TimeSpan max, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Within(min, max, () =>
        {
            action();
            return true;
        });
    }

    /// <summary>Runs <paramref name="function"/> within the given bounds and returns its result.</summary>
    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var (start, limit, previous) = EnterWithin(max);
        try
        {
            var result = function();
            CheckWithin(start, min, limit);
            return result;
        }
        finally
        {
            _deadline = previous;
        }
    }

    /// <summary>Runs <paramref name="action"/> asynchronously; it must finish within <paramref name="max"/> (dilated).</summary>
    public Task WithinAsync(TimeSpan max, Func<Task> action) => WithinAsync(TimeSpan.Zero, max, action);

    /// <summary>Runs <paramref name="action"/> asynchronously within the given bounds.</summary>
    public async Task WithinAsync(TimeSpan min, TimeSpan max, Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var (start, limit, previous) = EnterWithin(max);
        try
        {
            await action().ConfigureAwait(false);
            CheckWithin(start, min, limit);
        }
        finally
        {
            _deadline = previous;
        }
    }

    /// <summary>Polls <paramref name="condition"/> every <paramref name="interval"/> (default 10 ms) until it holds; fails after <paramref name="max"/> (default: remaining or 3 s).</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var poll = new Poll(ResolveTimeout(max), interval, message);
        while (!condition())
        {
            Thread.Sleep(poll.NextWait());
        }
    }

    /// <summary>Polls <paramref name="condition"/> asynchronously until it holds.</summary>
    public async Task AwaitConditionAsync(Func<bool> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var poll = new Poll(ResolveTimeout(max), interval, message);
        while (!condition())
        {
            await Task.Delay(poll.NextWait()).ConfigureAwait(false);
        }
    }

    /// <summary>Retries <paramref name="assertion"/> every <paramref name="interval"/> until it stops throwing; after <paramref name="duration"/> its last exception fails the test.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var total = ResolveTimeout(duration);
        var deadline = Stopwatch.GetTimestamp() + (long)(total.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception) when (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline) > TimeSpan.Zero)
            {
                Thread.Sleep(Min(interval ?? DefaultPollInterval, Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline)));
            }
        }
    }

    private (long Start, TimeSpan Limit, long? Previous) EnterWithin(TimeSpan max)
    {
        var start = Stopwatch.GetTimestamp();
        var limit = Dilated(max);
        if (_deadline is { } outer)
        {
            limit = Min(limit, Stopwatch.GetElapsedTime(start, outer));
        }

        var previous = _deadline;
        _deadline = start + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        return (start, limit, previous);
    }

    private static void CheckWithin(long start, TimeSpan min, TimeSpan limit)
    {
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (elapsed < min)
        {
            throw new XunitException($"Within: the block took {elapsed}, less than the minimum {min}.");
        }

        if (elapsed > limit)
        {
            throw new XunitException($"Within: the block took {elapsed}, more than the maximum {limit}.");
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The deadline of a polling wait.</summary>
    private readonly struct Poll(TimeSpan total, TimeSpan? interval, string? message)
    {
        private readonly long _deadline = Stopwatch.GetTimestamp() + (long)(total.TotalSeconds * Stopwatch.Frequency);

        /// <summary>How long to wait before the next check; fails the test when time is up.</summary>
        public TimeSpan NextWait()
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline);
            return left > TimeSpan.Zero
                ? Min(interval ?? DefaultPollInterval, left)
                : throw new XunitException($"Timeout ({total}) in AwaitCondition{Hint(message)}: the condition never held.");
        }
    }
}
