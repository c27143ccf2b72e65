namespace Dispatch.Core.Tests.Support;

/// <summary>
/// A clock that moves only when a test says so. The controllers take <c>now</c> as an
/// argument; this gives tests one place to keep it and advance it without sleeping.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now;

    public ManualTimeProvider(DateTimeOffset? start = null) =>
        _now = start ?? new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public DateTimeOffset Now => _now;

    public DateTimeOffset Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "time only moves forward");
        _now += by;
        return _now;
    }

    public DateTimeOffset AdvanceTo(DateTimeOffset to)
    {
        if (to < _now) throw new ArgumentOutOfRangeException(nameof(to), "time only moves forward");
        _now = to;
        return _now;
    }
}
