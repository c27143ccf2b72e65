namespace Dispatch.Core.Options;

/// <summary>All of Dispatch's settings (configuration path <c>dispatch</c>).</summary>
public sealed record DispatchOptions
{
    /// <summary>The configuration path of this section.</summary>
    public const string Path = "dispatch";

    /// <summary>The endpoints by name (<c>endpoints</c>). Default none. Each key must equal its endpoint's <see cref="EndpointOptions.Name"/>.</summary>
    public IReadOnlyDictionary<string, EndpointOptions> Endpoints { get; init; } = new Dictionary<string, EndpointOptions>();

    /// <summary>Every invalid setting in the tree, each naming its full configuration path.</summary>
    public IReadOnlyList<string> GetErrors() => OptionsErrors.Collect(Path, Check);

    /// <summary>Throws <see cref="DispatchOptionsException"/> naming every invalid setting in the tree.</summary>
    public void Validate() => OptionsErrors.Validate(Path, Check);

    /// <summary>The endpoint with this name, or <see langword="null"/>.</summary>
    /// <param name="name">The endpoint's name.</param>
    public EndpointOptions? Find(string name) => Endpoints.GetValueOrDefault(name);

    internal void Check(OptionsErrors errors, string path)
    {
        foreach (var (key, endpoint) in Endpoints)
        {
            var endpointPath = $"{path}.endpoints.{key}";
            if (endpoint is null)
            {
                errors.Add(endpointPath, "must not be null");
                continue;
            }

            if (!string.Equals(key, endpoint.Name, StringComparison.Ordinal))
                errors.Add(endpointPath, $"must be named after its key (was named '{endpoint.Name}')");
            endpoint.Check(errors, endpointPath);
        }
    }
}
