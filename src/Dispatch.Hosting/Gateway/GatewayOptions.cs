namespace Dispatch.Hosting.Gateway;

/// <summary>
/// The OpenAI-compatible gateway on the node's ingress (configuration path <c>dispatch.gateway</c>): which endpoint
/// a request goes to, by its <c>model</c> (<see cref="Models"/>, checked first) or its path (<see cref="Routes"/>).
/// </summary>
public sealed record GatewayOptions
{
    /// <summary>The configuration path of this section.</summary>
    public const string Path = "dispatch.gateway";

    /// <summary>The paths served whether or not <see cref="Routes"/> names them.</summary>
    public static IReadOnlyList<string> StandardPaths { get; } = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses"];

    /// <summary>Request paths to endpoint names (<c>routes</c>), e.g. <c>"/v1/chat/completions" = openai-chat</c>. Default none.</summary>
    public IReadOnlyDictionary<string, string> Routes { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary><c>model</c> values to endpoint names (<c>models</c>), e.g. <c>"gpt-4o-mini" = openai-chat</c>; wins over <see cref="Routes"/>. Default none.</summary>
    public IReadOnlyDictionary<string, string> Models { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Whether the gateway answers <paramref name="path"/> at all: a standard path or one in <see cref="Routes"/>.</summary>
    /// <param name="path">The request's path.</param>
    public bool Serves(string path) => Routes.ContainsKey(path) || StandardPaths.Contains(path, StringComparer.Ordinal);

    /// <summary>The endpoint a request goes to: its model's, else its path's; <see langword="null"/> when neither is configured.</summary>
    /// <param name="path">The request's path.</param>
    /// <param name="model">The request's <c>model</c>, if it has one.</param>
    public string? EndpointFor(string path, string? model) =>
        model is not null && Models.TryGetValue(model, out var byModel) ? byModel
        : Routes.TryGetValue(path, out var byPath) ? byPath
        : null;

    internal void Check(List<string> errors, IReadOnlyCollection<string> endpoints)
    {
        foreach (var (path, endpoint) in Routes)
        {
            if (!path.StartsWith('/'))
                errors.Add($"{Path}.routes.\"{path}\" must be a request path starting with '/' (was '{path}')");
            CheckEndpoint(errors, endpoints, $"{Path}.routes.\"{path}\"", endpoint);
        }

        foreach (var (model, endpoint) in Models) CheckEndpoint(errors, endpoints, $"{Path}.models.\"{model}\"", endpoint);
    }

    private static void CheckEndpoint(List<string> errors, IReadOnlyCollection<string> endpoints, string setting, string endpoint)
    {
        if (endpoints.Contains(endpoint)) return;
        var known = endpoints.Count == 0 ? "none are configured" : "configured: " + string.Join(", ", endpoints.Order(StringComparer.Ordinal));
        errors.Add($"{setting} names endpoint '{endpoint}', which is not in dispatch.endpoints ({known})");
    }
}
