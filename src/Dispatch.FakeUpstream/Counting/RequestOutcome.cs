namespace Dispatch.FakeUpstream.Counting;

/// <summary>How an API request ended, as the counters record it.</summary>
internal enum RequestOutcome
{
    /// <summary>A normal 200 answer was written in full.</summary>
    Completed,

    /// <summary>A response was sent, but not a normal answer: an error, a 429, or an injected fault.</summary>
    Answered,

    /// <summary>No response: an injected reset or timeout, or the client went away.</summary>
    Aborted,
}
