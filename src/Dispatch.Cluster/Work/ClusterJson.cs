using System.Text.Json;
using System.Text.Json.Serialization;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Work;

/// <summary>How calls and results are written into Redis: System.Text.Json, camelCase names, enums by name.</summary>
public static class ClusterJson
{
    // Immutable once made: shared read-only by every queue.
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The call as JSON text.</summary>
    public static string Serialize(APICalling call) => JsonSerializer.Serialize(call, Options);

    /// <summary>The result as JSON text.</summary>
    public static string Serialize(APICallResult result) => JsonSerializer.Serialize(result, Options);

    /// <summary>Reads a call written by <see cref="Serialize(APICalling)"/>.</summary>
    /// <exception cref="JsonException">The text is not a valid call.</exception>
    public static APICalling DeserializeCall(string json) =>
        Validated(JsonSerializer.Deserialize<APICalling>(json, Options), c => c.CallId is not null && c.Endpoint is not null && c.Payload is not null, "call");

    /// <summary>Reads a result written by <see cref="Serialize(APICallResult)"/>.</summary>
    /// <exception cref="JsonException">The text is not a valid result.</exception>
    public static APICallResult DeserializeResult(string json) =>
        Validated(JsonSerializer.Deserialize<APICallResult>(json, Options), r => r.CallId is not null, "result");

    private static T Validated<T>(T? value, Func<T, bool> complete, string what) where T : class =>
        value is not null && complete(value) ? value : throw new JsonException($"The JSON is not a complete {what}.");
}
