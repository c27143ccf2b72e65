namespace Dispatch.FakeUpstream.Faults;

/// <summary>
/// What the 1st, 2nd, … arrival of one call id gets. The text form is what the
/// <see cref="FakeUpstreamHeaders.Fault"/> request header carries: steps separated by commas
/// (see <see cref="Fault.TryParse"/>), e.g. <c>503,503,ok</c>; arrivals past the last step are
/// served normally unless the script ends in <c>*</c>, which repeats the last step forever
/// (<c>503*</c>: every arrival fails).
/// </summary>
public sealed class FaultScript
{
    private readonly Fault[] _steps;

    /// <summary>A script of <paramref name="steps"/>.</summary>
    /// <param name="steps">The faults for arrivals 1, 2, … in order.</param>
    /// <param name="repeatLast">Whether arrivals past the end get the last step again.</param>
    public FaultScript(IEnumerable<Fault> steps, bool repeatLast = false)
    {
        _steps = steps.ToArray();
        RepeatLast = repeatLast && _steps.Length > 0;
    }

    /// <summary>The faults for arrivals 1, 2, … in order.</summary>
    public IReadOnlyList<Fault> Steps => _steps;

    /// <summary>Whether arrivals past the end get the last step again.</summary>
    public bool RepeatLast { get; }

    /// <summary>The fault for the <paramref name="arrival"/>-th arrival (1-based).</summary>
    /// <param name="arrival">How many times the call id has arrived, this time included.</param>
    public Fault ForArrival(long arrival)
    {
        if (arrival < 1 || _steps.Length == 0) return Fault.None;
        if (arrival <= _steps.Length) return _steps[arrival - 1];
        return RepeatLast ? _steps[^1] : Fault.None;
    }

    /// <summary>Reads the text form, e.g. <c>503:1,500,ok</c> or <c>reset*</c>.</summary>
    /// <param name="text">The script text.</param>
    /// <param name="script">The parsed script.</param>
    /// <returns>Whether every step is valid.</returns>
    public static bool TryParse(string text, out FaultScript script)
    {
        script = Empty;
        var span = text.AsSpan().Trim();
        var repeat = span.EndsWith('*');
        if (repeat) span = span[..^1];
        var steps = new List<Fault>();
        foreach (var range in span.Split(','))
        {
            if (!Fault.TryParse(span[range], out var step)) return false;
            steps.Add(step);
        }

        script = new FaultScript(steps, repeat);
        return true;
    }

    /// <summary>Reads the text form or throws <see cref="FormatException"/> naming the text.</summary>
    /// <param name="text">The script text.</param>
    public static FaultScript Parse(string text) =>
        TryParse(text, out var script) ? script : throw new FormatException($"'{text}' is not a fault script (e.g. '503:2,500,ok' or 'reset*').");

    private static FaultScript Empty { get; } = new([]);
}
