using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Core.Errors;

namespace Dispatch.Cli.Run;

/// <summary>
/// One line of a batch input, parsed. Two shapes are accepted: a request body as OpenAI's
/// cookbook <c>api_request_parallel_processor.py</c> reads it (a top-level <c>metadata</c> is
/// echoed in the result and removed from what is sent), or an envelope
/// <c>{"id", "endpoint", "tokens", "metadata", "body"}</c>. A line without an id of its own (or
/// whose id cannot be read) is <c>line:&lt;n&gt;</c>, its line number, so re-runs give the same ids;
/// ids starting with <c>line:</c> are reserved for that, so the two kinds can never clash.
/// </summary>
/// <param name="LineNumber">The 1-based line number in the input file.</param>
/// <param name="Id">The call id.</param>
internal sealed record InputLine(long LineNumber, string Id)
{
    /// <summary>The prefix of the ids given to lines without an id of their own; an explicit id may not start with it.</summary>
    public const string LineIdPrefix = "line:";

    private static readonly HashSet<string> EnvelopeKeys = ["id", "endpoint", "tokens", "metadata", "body", "method", "path"];

    /// <summary>The endpoint named by the envelope; <see langword="null"/> uses the run's.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The request body to send, as JSON text; <see langword="null"/> when the line is malformed.</summary>
    public string? Payload { get; init; }

    /// <summary>The tokens the envelope says the call uses.</summary>
    public int? Tokens { get; init; }

    /// <summary>The per-call method override of the envelope.</summary>
    public string? Method { get; init; }

    /// <summary>The per-call path override of the envelope.</summary>
    public string? Path { get; init; }

    /// <summary>What to echo in the result.</summary>
    public JsonNode? Metadata { get; init; }

    /// <summary>Why the line cannot be sent; <see langword="null"/> when it can.</summary>
    public string? Error { get; init; }

    /// <summary>The id of line <paramref name="lineNumber"/> when it has none of its own: <c>line:&lt;n&gt;</c>.</summary>
    /// <param name="lineNumber">The 1-based line number.</param>
    public static string LineId(long lineNumber) => LineIdPrefix + lineNumber.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Why a line is not JSON and where in it, e.g. <c>line 5, column 2: not valid JSON: 'n' is an invalid start of a property name.</c>:
    /// the line is the file's, the column counts characters from 1 (the parser's own position counts bytes from 0).
    /// </summary>
    private static string NotJson(long lineNumber, string text, JsonException e) =>
        JsonErrors.Position(e, text) is var (_, column)
            ? string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}, column {column}: not valid JSON: {JsonErrors.Reason(e)}")
            : $"line {lineNumber}: not valid JSON: {JsonErrors.Reason(e)}";

    /// <summary>Parses one non-blank line.</summary>
    /// <param name="lineNumber">Its 1-based number.</param>
    /// <param name="text">Its text.</param>
    public static InputLine Parse(long lineNumber, string text)
    {
        var fallbackId = LineId(lineNumber);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            return new InputLine(lineNumber, fallbackId) { Error = NotJson(lineNumber, text, e) };
        }

        if (node is not JsonObject obj)
            return Malformed(lineNumber, fallbackId, $"must be a JSON object (was {node?.GetValueKind().ToString() ?? "null"})");

        var metadata = obj["metadata"]?.DeepClone();
        if (obj["body"] is not null && obj.All(p => EnvelopeKeys.Contains(p.Key)))
            return ParseEnvelope(lineNumber, fallbackId, obj, metadata);

        // The cookbook format: the line is the body; metadata is ours, not the provider's.
        obj.Remove("metadata");
        return new InputLine(lineNumber, fallbackId) { Payload = obj.ToJsonString(), Metadata = metadata };
    }

    private static InputLine ParseEnvelope(long lineNumber, string fallbackId, JsonObject obj, JsonNode? metadata)
    {
        var id = fallbackId;
        if (obj["id"] is { } idNode)
        {
            if (idNode.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number) || idNode.ToString() is not { Length: > 0 } text)
                return Malformed(lineNumber, fallbackId, "'id' must be a non-empty string or a number") with { Metadata = metadata };
            if (text.StartsWith(LineIdPrefix, StringComparison.Ordinal))
                return Malformed(lineNumber, fallbackId, $"the id '{text}' starts with '{LineIdPrefix}', which is reserved for the ids of lines without one") with { Metadata = metadata };
            id = text;
        }

        string? endpoint = null;
        if (obj["endpoint"] is { } endpointNode)
        {
            if (endpointNode.GetValueKind() == JsonValueKind.String) endpoint = endpointNode.GetValue<string>();
            else return Malformed(lineNumber, id, "'endpoint' must be a string") with { Metadata = metadata };
        }

        int? tokens = null;
        if (obj["tokens"] is { } tokensNode)
        {
            if (tokensNode.GetValueKind() == JsonValueKind.Number && tokensNode.AsValue().TryGetValue<int>(out var t) && t >= 0) tokens = t;
            else return Malformed(lineNumber, id, "'tokens' must be a whole number >= 0") with { Metadata = metadata };
        }

        string? method = null, path = null;
        if (obj["method"] is { } methodNode)
        {
            if (methodNode.GetValueKind() == JsonValueKind.String) method = methodNode.GetValue<string>();
            else return Malformed(lineNumber, id, "'method' must be a string") with { Metadata = metadata };
        }

        if (obj["path"] is { } pathNode)
        {
            if (pathNode.GetValueKind() == JsonValueKind.String) path = pathNode.GetValue<string>();
            else return Malformed(lineNumber, id, "'path' must be a string") with { Metadata = metadata };
        }

        var body = obj["body"]!;
        var payload = body.GetValueKind() == JsonValueKind.String ? body.GetValue<string>() : body.ToJsonString();
        return new InputLine(lineNumber, id) { Endpoint = endpoint, Payload = payload, Tokens = tokens, Method = method, Path = path, Metadata = metadata };
    }

    private static InputLine Malformed(long lineNumber, string id, string reason) =>
        new(lineNumber, id) { Error = $"line {lineNumber}: {reason}" };
}
