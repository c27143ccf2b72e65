using Dispatch.Core.Options;

namespace Dispatch.Core.Queue;

/// <summary>An endpoint's call queue (configuration key <c>queue</c>).</summary>
public sealed record QueueOptions : OptionsSection
{
    /// <summary>The configuration key of this section under an endpoint.</summary>
    public const string Key = "queue";

    /// <inheritdoc />
    public override string SectionKey => Key;

    /// <summary>
    /// Calls that may wait for an executor (<c>capacity</c>). Default 10,000. A call arriving
    /// when the queue is full is answered <c>Rejected/QueueFull</c> at once.
    /// </summary>
    public int Capacity { get; init; } = 10_000;

    internal override void Check(OptionsErrors errors, string path) => errors.Positive(path + ".capacity", Capacity);
}
