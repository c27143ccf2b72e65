using System.Net;
using System.Net.Http.Headers;
using Dispatch.FakeUpstream.Counting;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.FakeUpstream.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.FakeUpstream;

/// <summary>
/// A real HTTP server on loopback that behaves like a rate-limited LLM provider: OpenAI-shaped
/// <c>POST /v1/chat/completions</c>, a generic <c>POST /v1/echo</c>, per-key sliding-window
/// limits with 429 and Retry-After, latency, injected faults, and counters.
/// Admin routes: <c>GET /healthz</c>, <c>GET /v1/counters[?callIds=true]</c>, <c>POST /v1/reset</c>.
/// </summary>
/// <remarks>
/// Each API request goes through, in order: counting (received, open, call-id arrival); the key
/// check (401 when <see cref="FakeUpstreamOptions.RequiredApiKey"/> is set and not matched); the
/// fault decision (see <see cref="FaultController"/>; a fault charges no budget); payload
/// validation (400, or 413 over <see cref="FakeUpstreamOptions.MaxRequestBodyBytes"/>); the key's
/// sliding window (429 with Retry-After, nothing charged; 400 if the request alone exceeds the token
/// limit); the latency; the answer. Every response past the key check (except a 413, refused while
/// the body is read) carries the <c>x-ratelimit-*</c> headers of each configured limit.
/// </remarks>
/// <example>
/// <code>
/// await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
/// {
///     Limits = new RateLimitOptions { RequestsPerWindow = 600, TokensPerWindow = 60_000, Window = TimeSpan.FromSeconds(10) },
/// });
/// using var http = up.CreateClient("sk-test");
/// up.Faults.StartOutage(new Fault(FaultKind.ServiceUnavailable), TimeSpan.FromSeconds(20));
/// </code>
/// </example>
public sealed class FakeUpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly UpstreamState _state;
    private int _disposed;

    private FakeUpstreamServer(WebApplication app, UpstreamState state, int port)
    {
        _app = app;
        _state = state;
        Port = port;
        var host = state.Options.BindAddress switch
        {
            var any when any.Equals(IPAddress.Any) => IPAddress.Loopback,
            var any when any.Equals(IPAddress.IPv6Any) => IPAddress.IPv6Loopback,
            var address => address,
        };
        BaseAddress = new UriBuilder(Uri.UriSchemeHttp, host.ToString(), port).Uri;
    }

    /// <summary>Starts a server and returns once it accepts connections.</summary>
    /// <param name="options">How it listens and behaves; validated first.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="IOException">The port is taken.</exception>
    public static async Task<FakeUpstreamServer> StartAsync(FakeUpstreamOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var state = new UpstreamState(options);
        var app = UpstreamApp.Build(options, state);
        try
        {
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return new FakeUpstreamServer(app, state, new Uri(address).Port);
        }
        catch
        {
            await app.DisposeAsync();
            state.Dispose();
            throw;
        }
    }

    /// <summary>Runs a server until <paramref name="cancellationToken"/> is cancelled, then stops it: the process form.</summary>
    /// <param name="options">How it listens and behaves.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    public static Task RunAsync(FakeUpstreamOptions options, CancellationToken cancellationToken) =>
        RunAsync(options, onStarted: null, cancellationToken);

    /// <summary>Runs a server until <paramref name="cancellationToken"/> is cancelled, telling <paramref name="onStarted"/> where it listens.</summary>
    /// <param name="options">How it listens and behaves.</param>
    /// <param name="onStarted">Called once the server accepts connections, e.g. to print <see cref="BaseUrl"/>.</param>
    /// <param name="cancellationToken">Stops the server.</param>
    public static async Task RunAsync(FakeUpstreamOptions options, Action<FakeUpstreamServer>? onStarted, CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(options, cancellationToken);
        onStarted?.Invoke(server);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancellation is the normal way to stop.
        }
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:54321/</c> (with a trailing slash, for <see cref="HttpClient.BaseAddress"/>).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The server's root without a trailing slash, e.g. <c>http://127.0.0.1:54321</c>.</summary>
    public string BaseUrl => BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>The port it listens on (the one chosen when <see cref="FakeUpstreamOptions.Port"/> is 0).</summary>
    public int Port { get; }

    /// <summary>The options it was started with. Limits, latency and fault rates may since have changed.</summary>
    public FakeUpstreamOptions Options => _state.Options;

    /// <summary>What it has seen: requests, statuses, 429s, peak window use, call-id arrivals.</summary>
    public UpstreamCounters Counters => _state.Counters;

    /// <summary>Injected faults, changeable while running: queue, per-call-id scripts, outages, random rates.</summary>
    public FaultController Faults => _state.Faults;

    /// <summary>
    /// The limits every key gets; setting them applies from the next request. Windows keep their
    /// admissions, so a shorter window or lower limit takes effect against recent traffic at once.
    /// </summary>
    /// <exception cref="ArgumentException">The new limits are invalid.</exception>
    public RateLimitOptions Limits
    {
        get => _state.Limits.Options;
        set => _state.SetLimits(value);
    }

    /// <summary>Response delays; setting them applies from the next request.</summary>
    /// <exception cref="ArgumentException">The new latency is invalid.</exception>
    public LatencyOptions Latency
    {
        get => _state.Latency;
        set => _state.Latency = value;
    }

    /// <summary>
    /// As if freshly started with the current settings: counters zeroed, windows emptied, queued and
    /// scripted faults and any outage cleared (the same as <c>POST /v1/reset</c>).
    /// </summary>
    public void Reset() => _state.Reset();

    /// <summary>An <see cref="HttpClient"/> whose base address is this server, optionally sending <paramref name="apiKey"/> as a bearer token.</summary>
    /// <param name="apiKey">The API key to send, or <c>null</c>.</param>
    public HttpClient CreateClient(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>
    /// Stops accepting, ends requests that would wait forever (injected timeouts), gives the rest up to
    /// <see cref="FakeUpstreamOptions.ShutdownTimeout"/>, and frees the port. Safe to call more than once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _state.BeginStopping();
        try
        {
            await _app.StopAsync(CancellationToken.None);
        }
        finally
        {
            await _app.DisposeAsync();
            _state.Dispose();
        }
    }
}
