using Dispatch.Core.Options;

namespace Dispatch.Core.Execution;

/// <summary>An endpoint's executors (configuration key <c>executor</c>).</summary>
public sealed record ExecutorOptions : OptionsSection
{
    /// <summary>The configuration key of this section under an endpoint.</summary>
    public const string Key = "executor";

    /// <inheritdoc />
    public override string SectionKey => Key;

    /// <summary>
    /// How many calls may be held at once (<c>concurrency</c>): one executor actor per unit,
    /// so this bounds calls waiting for credits, in flight or backing off. Default 8.
    /// </summary>
    public int Concurrency { get; init; } = 8;

    internal override void Check(OptionsErrors errors, string path) => errors.Positive(path + ".concurrency", Concurrency);
}
