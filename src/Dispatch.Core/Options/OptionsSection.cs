using System.Text.Json.Serialization;

namespace Dispatch.Core.Options;

/// <summary>
/// A section of an endpoint's options (<c>rate-limit</c>, <c>retry</c>, …): validation that
/// names each bad setting by its configuration path.
/// </summary>
public abstract record OptionsSection
{
    /// <summary>The section's configuration key under an endpoint, e.g. <c>rate-limit</c>.</summary>
    [JsonIgnore]
    public abstract string SectionKey { get; }

    /// <summary>Every invalid setting, each named by its path under <paramref name="path"/>.</summary>
    /// <param name="path">The configuration path of this section; <see langword="null"/> uses <see cref="SectionKey"/>.</param>
    public IReadOnlyList<string> GetErrors(string? path = null) => OptionsErrors.Collect(path ?? SectionKey, Check);

    /// <summary>Throws <see cref="DispatchOptionsException"/> naming every invalid setting.</summary>
    /// <param name="path">The configuration path of this section; <see langword="null"/> uses <see cref="SectionKey"/>.</param>
    public void Validate(string? path = null) => OptionsErrors.Validate(path ?? SectionKey, Check);

    internal abstract void Check(OptionsErrors errors, string path);
}
