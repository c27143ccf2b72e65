using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dispatch.Core.Errors;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Flurl.Http;

namespace Dispatch.Core.Endpoints;

/// <summary>
/// An endpoint's HTTP session: one Flurl client over one pooled <see cref="HttpClient"/>
/// (<see cref="SocketsHttpHandler"/> with the endpoint's connection limit and pooled-connection
/// lifetime). It turns an <see cref="APICalling"/> into one HTTP attempt and the response, or
/// the exception, into an <see cref="AttemptResult"/>; it never throws for an upstream's fault.
/// </summary>
/// <remarks>
/// <para>
/// The Endpoint actor creates it in <c>PreStart</c>, disposes it in <c>PostStop</c>, and pipes
/// the task of <see cref="SendAsync(APICalling, CancellationToken)"/> back to itself so its mailbox never blocks on I/O.
/// <see cref="SendAsync(APICalling, CancellationToken)"/> may run concurrently (one per executor).
/// </para>
/// <para>
/// Secrets: the API key is read once, from the environment variable the options name, and
/// only ever written into the request's auth header. It is never part of a result or a
/// message, and a call's own headers cannot replace the auth header. Redirects are not
/// followed, so the key is never sent to another host.
/// </para>
/// </remarks>
public sealed partial class EndpointSession : IDisposable
{
    /// <summary>The compressions asked for; the response is decoded by <see cref="ContentEncoding"/>.</summary>
    private const string AcceptEncoding = "gzip, br";

    /// <summary>
    /// Bodies longer than this (in chars) are sent with <c>Expect: 100-continue</c>: the server may then
    /// refuse one (413) before it is written, and the refusal is read. Without it a server that answers
    /// early and closes while the body is still being written leaves only a failed write. Shorter bodies
    /// usually fit the socket's buffers and are written before any answer, so they skip the extra round
    /// trip; one whose write fails anyway is sent again with it (see <see cref="SendCoreAsync{TState}"/>).
    /// </summary>
    private const int ExpectContinueAbove = 64 * 1024;

    private readonly EndpointOptions _options;
    private readonly TimeProvider _time;
    private readonly IFlurlClient _client;
    private readonly HttpMessageInvoker _invoker;
    private readonly HttpMethod _method;
    private readonly Uri _uri;
    private readonly KeyValuePair<string, string>[] _headers;
    private readonly bool _askCompression;
    private readonly string? _authValue;
    private readonly string? _missingKeyError;
    private int _disposed;

    /// <summary>Opens a session for an endpoint.</summary>
    /// <param name="options">The endpoint; validated here.</param>
    /// <param name="time">The clock for attempt timeouts and <c>Retry-After</c> dates.</param>
    /// <param name="getEnvironmentVariable">Reads an environment variable; <see cref="Environment.GetEnvironmentVariable(string)"/> by default.</param>
    public EndpointSession(EndpointOptions options, TimeProvider time, Func<string, string?>? getEnvironmentVariable = null)
        : this(options, time, getEnvironmentVariable, CreateHandler(options))
    {
    }

    /// <summary>Opens a session over a given message handler (tests use a stub).</summary>
    internal EndpointSession(EndpointOptions options, TimeProvider time, Func<string, string?>? getEnvironmentVariable, HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(handler);
        options.Validate();
        _options = options;
        _time = time;

        if (options.ApiKeyEnv is { } variable)
        {
            var key = (getEnvironmentVariable ?? Environment.GetEnvironmentVariable)(variable);
            if (string.IsNullOrEmpty(key))
                _missingKeyError = $"the API key environment variable {variable} named by {options.ConfigPath}.api-key-env is not set";
            else
                _authValue = options.AuthScheme.Length == 0 ? key : $"{options.AuthScheme} {key}";
        }

        // Timeouts are the session's own (per attempt, on the injected clock), so HttpClient's
        // and Flurl's are switched off.
        var http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _client = new FlurlClient(http);
        _client.Settings.Timeout = null;
        // Requests go straight to the client's handler: HttpClient.SendAsync adds, on every request, an
        // async frame and a linked token source with two registrations (about 400 B) for its own timeout
        // and CancelPendingRequests, neither of which the session uses. The client owns the handler.
        _invoker = new HttpMessageInvoker(handler, disposeHandler: false);

        // What every request shares is worked out once: building and parsing a URL, or a method,
        // per request costs about a kilobyte and a few microseconds each time.
        _method = MethodFor(options.Method);
        _uri = new Uri(options.UrlFor(), UriKind.Absolute);
        _headers = [.. options.Headers];
        _askCompression = !_headers.Any(h => string.Equals(h.Key, "Accept-Encoding", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The endpoint's options.</summary>
    public EndpointOptions Options => _options;

    /// <summary>Whether <see cref="Dispose"/> has run (tests assert the session is closed on every path).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Makes one HTTP attempt for a call. Completes with the classified outcome; cancelling
    /// <paramref name="cancellationToken"/> aborts the request and yields <see cref="ErrorKind.Cancelled"/>.
    /// </summary>
    /// <param name="call">The call.</param>
    /// <param name="cancellationToken">Cancels the attempt (call cancelled, deadline passed, actor stopping).</param>
    public async Task<AttemptResult> SendAsync(APICalling call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_missingKeyError is not null) return AttemptResult.Failure(ErrorKind.Authentication, _missingKeyError);

        using var timeout = new CancellationTokenSource(_options.AttemptTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        return await SendCoreAsync<object?>(call, linked.Token, cancellationToken, null, null, attemptNumber: 1).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes one HTTP attempt under a token source the caller owns (an executor makes one per
    /// attempt, with no timer of its own). The caller keeps the
    /// attempt timeout (an executor on an actor timer) and cancels the source when it passes; any
    /// cancellation of it is reported as <see cref="ErrorKind.Timeout"/>: the owner cancels
    /// otherwise only attempts whose outcome it no longer wants.
    /// </summary>
    /// <param name="call">The call.</param>
    /// <param name="attempt">Cancels the attempt.</param>
    /// <param name="onFinished">Told the outcome, on whatever thread the attempt ends (the actor way: it tells the outcome to an actor).</param>
    /// <param name="state">Passed to <paramref name="onFinished"/>, so it need not capture anything.</param>
    /// <param name="attemptNumber">Which attempt of the call this is, from 1 (told to its <see cref="APICalling.ResponseStream"/>).</param>
    internal void Send<TState>(APICalling call, CancellationTokenSource attempt, Action<AttemptResult, TState> onFinished, TState state, int attemptNumber)
    {
        ArgumentNullException.ThrowIfNull(call);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_missingKeyError is not null)
        {
            onFinished(AttemptResult.Failure(ErrorKind.Authentication, _missingKeyError), state);
            return;
        }

        _ = SendCoreAsync(call, attempt.Token, CancellationToken.None, onFinished, state, attemptNumber);
    }

    /// <summary>
    /// The attempt itself: <paramref name="token"/> aborts it, as a cancellation when <paramref name="caller"/>
    /// is cancelled, else as a timeout. The outcome goes to <paramref name="onFinished"/> too, when given:
    /// one async method from request to reply keeps an attempt to one task.
    /// </summary>
    private async Task<AttemptResult> SendCoreAsync<TState>(APICalling call, CancellationToken token, CancellationToken caller,
        Action<AttemptResult, TState>? onFinished, TState state, int attemptNumber)
    {
        AttemptResult result;
        try
        {
            // A pre-built request with the cached Uri goes to the Flurl client's handler: Flurl's own
            // request builder would re-parse the URL and copy headers on every call.
            using var request = new HttpRequestMessage(call.Method is null ? _method : MethodFor(call.Method),
                call.Path is null ? _uri : new Uri(_options.UrlFor(call.Path), UriKind.Absolute));
            if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head && call.Payload is not null)
            {
                request.Content = JsonContent(call.Payload);
                if (call.Payload.Length > ExpectContinueAbove) request.Headers.ExpectContinue = true;
            }

            AddHeaders(request, call.Headers);
            HttpResponseMessage sent;
            try
            {
                sent = await _invoker.SendAsync(request, token).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (request.Content is RequestBodyContent { WriteFailed: true }
                && request.Headers.ExpectContinue != true && !token.IsCancellationRequested)
            {
                // The server may have answered from the headers (413, 401) and closed without reading the
                // body; SocketsHttpHandler then drops that answer. Sent once more with Expect: 100-continue
                // the server answers before any body is written, and the answer is read. The server read no
                // body the first time, so nothing is done twice; a write that failed for another reason
                // (the server is gone) fails again and is classified as before.
                request.Headers.ExpectContinue = true;
                sent = await _invoker.SendAsync(request, token).ConfigureAwait(false);
            }

            using var response = sent;
            // No pattern variable: it would be one more field in this method's state machine, on every call's path.
            result = call.ResponseStream is not null && response.IsSuccessStatusCode
                ? await RelayAsync(call, call.ResponseStream, response, attemptNumber, token, caller).ConfigureAwait(false)
                : await ReadAsync(response, token).ConfigureAwait(false);
            // Each costs every answer that reads it: only for a caller that asked, and an endpoint with limits to learn.
            if (call.WantsResponseHeaders) result = result with { ResponseHeaders = ResponseHeaderCapture.From(response) };
            if (_options.RateLimit.LearnFromHeaders && (_options.RateLimit.Requests is not null || _options.RateLimit.Tokens is not null))
                result = result with { RateLimits = RateLimitReport.Read(response.Headers, _options.RateLimit.Headers, _time.GetUtcNow()) };
        }
        catch (Exception) when (IsDisposed)
        {
            // The actor stopped and closed the session under this attempt; the call is answered
            // by the actor's shutdown path, this result only has to say what happened.
            result = AttemptResult.Failure(ErrorKind.Cancelled, "the endpoint's session was closed during the attempt");
        }
        catch (Exception e)
        {
            var timedOut = token.IsCancellationRequested && !caller.IsCancellationRequested;
            var outcome = ErrorClassifier.Classify(e, timedOut);
            if (outcome.Kind == ErrorKind.Timeout) outcome = outcome with { Message = $"the attempt timed out after {_options.AttemptTimeout}" };
            result = new AttemptResult(outcome);
        }

        onFinished?.Invoke(result, state);
        return result;
    }

    /// <summary>The endpoint's headers, then the call's (replacing the endpoint's of the same name), then the auth header, which a call cannot replace.</summary>
    private void AddHeaders(HttpRequestMessage request, IReadOnlyDictionary<string, string>? callHeaders)
    {
        if (_askCompression && (callHeaders is null || !ContainsName(callHeaders, "Accept-Encoding")))
            request.Headers.TryAddWithoutValidation("Accept-Encoding", AcceptEncoding);

        foreach (var (name, value) in _headers)
        {
            if (callHeaders is null || !ContainsName(callHeaders, name)) SetHeader(request, name, value);
        }

        if (callHeaders is not null)
        {
            foreach (var (name, value) in callHeaders)
            {
                if (!string.Equals(name, _options.AuthHeader, StringComparison.OrdinalIgnoreCase)) SetHeader(request, name, value);
            }
        }

        if (_authValue is not null) SetHeader(request, _options.AuthHeader, _authValue);
    }

    private static bool ContainsName(IReadOnlyDictionary<string, string> headers, string name)
    {
        foreach (var (key, _) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return true;
        }

        return false;
    }

    /// <summary>Sets a header on the request, or on its content when it is a content header (e.g. <c>Content-Type</c>).</summary>
    private static void SetHeader(HttpRequestMessage request, string name, string value)
    {
        if (request.Headers.TryAddWithoutValidation(name, value)) return;
        if (request.Content is not { } content) return;
        content.Headers.Remove(name);
        content.Headers.TryAddWithoutValidation(name, value);
    }

    private static HttpMethod MethodFor(string method) => HttpMethod.Parse(method.ToUpperInvariant());

    /// <summary>Closes the HTTP session and its pooled connections. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _invoker.Dispose();
        _client.Dispose();
    }

    // ValueTasks: a small body is usually in the buffer already, and then reading it allocates no task.
    private async ValueTask<AttemptResult> ReadAsync(HttpResponseMessage response, CancellationToken token)
    {
        var status = (int)response.StatusCode;
        var (bytes, length, tooLarge) = await ReadBoundedAsync(response.Content, token).ConfigureAwait(false);
        try
        {
            if (tooLarge)
                return AttemptResult.Failure(ErrorKind.InvalidResponse,
                    $"the upstream's response is larger than {_options.ConfigPath}.max-response-bytes ({_options.MaxResponseBytes})", status);

            var span = bytes.AsSpan(0, length);
            var body = Encoding.UTF8.GetString(span);
            // Retry-After headers matter only when the call failed; a success does not look for them.
            var outcome = status is >= 200 and < 300
                ? ErrorClassification.Success
                : ErrorClassifier.Classify(status, Header(response, "Retry-After"), _time.GetUtcNow(), Header(response, "retry-after-ms"));
            if (!outcome.IsSuccess) return new AttemptResult(outcome, status, body);

            if (IsJson(response.Content.Headers.ContentType) && !IsValidJson(span))
                return AttemptResult.Failure(ErrorKind.InvalidResponse, "the upstream's response is not valid JSON", status, body: body);

            return AttemptResult.Success(status, body, UsageParser.TryReadTotalTokens(span, out var used) ? used : null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Reads the body into a rented buffer, stopping as soon as it passes the size limit.</summary>
    private async ValueTask<(byte[] Bytes, int Length, bool TooLarge)> ReadBoundedAsync(HttpContent content, CancellationToken token)
    {
        var limit = (int)Math.Min(_options.MaxResponseBytes, Array.MaxLength - 1);
        var encoding = ContentEncoding(content.Headers);
        // The limit is on the body as decoded, so a compressed body's length says nothing about it.
        var decodedLength = encoding is null ? content.Headers.ContentLength : null;
        if (decodedLength > limit) return (ArrayPool<byte>.Shared.Rent(1), 0, true);

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(decodedLength ?? 16 * 1024, limit) + 1);
        try
        {
            var length = 0;
            await using var received = await content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await using var stream = Decoded(received, encoding);
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                // Reading one byte past the limit is how an over-long body without a
                // Content-Length is detected without reading the rest of it.
                var room = Math.Min(buffer.Length, limit + 1) - length;
                var read = await stream.ReadAsync(buffer.AsMemory(length, room), token).ConfigureAwait(false);
                if (read == 0) return (buffer, length, false);
                length += read;
                if (length > limit) return (buffer, 0, true);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>The body as decoded from <paramref name="encoding"/> (<see cref="ContentEncoding"/>).</summary>
    private static Stream Decoded(Stream received, string? encoding) => encoding switch
    {
        "gzip" => new GZipStream(received, CompressionMode.Decompress),
        "br" => new BrotliStream(received, CompressionMode.Decompress),
        "deflate" => new ZLibStream(received, CompressionMode.Decompress),
        _ => received,
    };

    /// <summary>The response's <c>Content-Encoding</c> when it is one this session decodes (gzip, br, deflate); <see langword="null"/> otherwise.</summary>
    private static string? ContentEncoding(HttpContentHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues("Content-Encoding", out var values) || values.Count != 1) return null;
        foreach (var value in values)
        {
            var name = value.Trim();
            if (name.Equals("gzip", StringComparison.OrdinalIgnoreCase)) return "gzip";
            if (name.Equals("br", StringComparison.OrdinalIgnoreCase)) return "br";
            // Not asked for by the session, but a call may name its own Accept-Encoding.
            if (name.Equals("deflate", StringComparison.OrdinalIgnoreCase)) return "deflate";
        }

        return null;
    }

    private static RequestBodyContent JsonContent(string payload) => new(payload);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static bool IsJson(MediaTypeHeaderValue? type) =>
        type?.MediaType is { } media && media.Contains("json", StringComparison.OrdinalIgnoreCase);

    private static bool IsValidJson(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            while (reader.Read())
            {
            }

            return reader.BytesConsumed > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static SocketsHttpHandler CreateHandler(EndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.MaxConnections,
            PooledConnectionLifetime = options.PooledConnectionLifetime,
            AllowAutoRedirect = false,
            // Decompression is the session's own (AcceptEncoding, ContentEncoding): the handler's
            // costs a handler layer and parsed header values on every request.
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            // How long a body sent with Expect: 100-continue waits for the server's go-ahead (or refusal)
            // before it is sent anyway: longer than the 1 s default, so a busy server's early 413 is still heard.
            Expect100ContinueTimeout = TimeSpan.FromSeconds(3),
        };
    }
}
