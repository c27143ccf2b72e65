namespace Dispatch.Cli.Run;

/// <summary>
/// The ids of a run: which id each input line's result is written under, which ids an earlier run
/// finished, and which earlier results a line's own id now replaces. Used by the one task that reads
/// the input, in file order.
/// </summary>
/// <remarks>
/// Each line's result has an id no other line's result has. A line's own id (the envelope's) is its
/// result's id the first time it appears; a later line with the same id is reported under its line id
/// (<c>line:&lt;n&gt;</c>, see <see cref="InputLine.LineId"/>), as a line without an id is. Explicit ids
/// cannot start with <c>line:</c>, so the two never meet. A <c>line:&lt;n&gt;</c> result of an earlier
/// run (say line n was malformed, or a duplicate) is superseded once line n has an id of its own: the
/// output then keeps that id's result only.
/// </remarks>
internal sealed class RunIds
{
    private readonly IReadOnlyDictionary<string, bool> _earlier;
    private readonly bool _skipFailed;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _superseded = new(StringComparer.Ordinal);

    /// <param name="earlier">Each id already in the output, and whether its latest result completed.</param>
    /// <param name="skipFailed">Whether ids that did not complete are skipped too (<c>--skip-failed</c>).</param>
    public RunIds(IReadOnlyDictionary<string, bool> earlier, bool skipFailed)
    {
        _earlier = earlier;
        _skipFailed = skipFailed;
    }

    /// <summary>The <c>line:&lt;n&gt;</c> results of earlier runs that lines with their own ids now replace.</summary>
    public IReadOnlySet<string> Superseded => _superseded;

    /// <summary>The line as its result is written: under its own id, or its line id when an earlier line took that id.</summary>
    /// <param name="line">The line as read.</param>
    /// <param name="duplicate">Whether an earlier line has the same id.</param>
    public InputLine Claim(InputLine line, out bool duplicate)
    {
        var lineId = InputLine.LineId(line.LineNumber);
        duplicate = !_seen.Add(line.Id);
        var claimed = duplicate ? line with { Id = lineId } : line;
        if (claimed.Id != lineId && _earlier.ContainsKey(lineId)) _superseded.Add(lineId);
        return claimed;
    }

    /// <summary>Whether an earlier run finished <paramref name="id"/>: it completed, or it is in the output at all with <c>--skip-failed</c>.</summary>
    /// <param name="id">A result id.</param>
    public bool IsDone(string id) => _earlier.TryGetValue(id, out var completed) && (completed || _skipFailed);
}
