namespace Dispatch.Core.Protocol;

/// <summary>
/// A request to call an endpoint. The one message callers send to Dispatch; it is answered
/// with exactly one <see cref="APICallResult"/> carrying the same <see cref="CallId"/>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Payload"/> is the request body as raw JSON text rather than a parsed
/// <c>JsonElement</c>: a string is immutable and owns its memory (a <c>JsonElement</c> dies
/// with its <c>JsonDocument</c> unless cloned), any serializer (Akka.Remote's included) carries it unchanged,
/// equal payloads compare and hash cheaply for the response cache, and the HTTP layer sends
/// it as-is without re-serializing. It is validated where it is read (token estimation).
/// </para>
/// <para>
/// There is no reply-to field: the protocol stays serializable and actor-free. The actor
/// layer replies to the message's sender (Tell with a sender, or Ask), and cluster mode
/// routes the result back to the submitting node's reply stream by <see cref="CallId"/>.
/// </para>
/// </remarks>
/// <param name="CallId">
/// The caller's idempotency key, or one from <see cref="NewCallId"/>. Unique among the calls
/// in flight; a re-delivered call with the same id is answered, not sent twice.
/// </param>
/// <param name="Endpoint">The name of the configured endpoint to call (e.g. <c>openai-chat</c>).</param>
/// <param name="Payload">The request body as JSON text.</param>
public sealed record APICalling(string CallId, string Endpoint, string Payload)
{
    /// <summary>Overrides the endpoint's HTTP method for this call; <see langword="null"/> uses the endpoint's.</summary>
    public string? Method { get; init; }

    /// <summary>Overrides the endpoint's path (relative to its base URL); <see langword="null"/> uses the endpoint's.</summary>
    public string? Path { get; init; }

    /// <summary>Headers added to (or replacing) the endpoint's headers for this call; <see langword="null"/> adds none.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>
    /// The tokens this call will use, when the caller knows; <see langword="null"/> (the default)
    /// lets the endpoint's token estimator work it out from <see cref="Payload"/>.
    /// </summary>
    public int? RequiredTokens { get; init; }

    /// <summary>
    /// Whether the result carries the provider's client-facing response headers
    /// (<see cref="APICallResult.ResponseHeaders"/>: <c>content-type</c>, <c>x-request-id</c>, <c>x-ratelimit-*</c>, ...);
    /// off by default, as copying them costs every answer (the OpenAI-compatible gateway turns it on).
    /// </summary>
    public bool WantsResponseHeaders { get; init; }

    /// <summary>
    /// Relays a successful answer's body as it arrives, chunk by chunk, instead of collecting it into
    /// <see cref="APICallResult.Body"/> (e.g. an SSE stream for <c>"stream": true</c>); <see langword="null"/> (the default)
    /// collects it. Local only: not serialized, so a call Told to another node arrives without it (Dispatch.Cluster's
    /// <c>DispatchProxy</c> carries it across nodes itself, as an Akka.Streams stream ref). A streamed call is never
    /// answered from, or stored in, the response cache.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    [Newtonsoft.Json.JsonIgnore]
    public IResponseStream? ResponseStream { get; init; }

    /// <summary>Opts into the response cache; <see langword="null"/> (the default) never caches.</summary>
    public CacheControl? CacheControl { get; init; }

    /// <summary>
    /// When the caller stops caring. A call still queued, waiting for credits or in flight at
    /// this instant ends <see cref="CallStatus.TimedOut"/>; <see langword="null"/> (the default) waits indefinitely.
    /// </summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>A fresh call id (32 hex digits) for callers without an idempotency key of their own.</summary>
    public static string NewCallId() => Guid.NewGuid().ToString("N");
}
