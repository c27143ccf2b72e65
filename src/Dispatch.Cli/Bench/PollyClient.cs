using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.RateLimiting;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Dispatch.Cli.Bench;

/// <summary>
/// What a careful user builds from Polly.Core 8.9.1 and System.Threading.RateLimiting: a
/// <see cref="ConcurrencyLimiter"/> for concurrency, then a pipeline of retry (exponential backoff
/// with jitter, Retry-After honoured) → circuit breaker → attempt timeout, and inside each attempt
/// a lease from a request limiter and one from a token limiter before the HTTP request.
/// </summary>
/// <remarks>
/// The limiters are <see cref="SlidingWindowRateLimiter"/>s (10 segments per window) set to the
/// provider's limits: the closest System.Threading.RateLimiting gets to the provider's sliding
/// window. A token bucket of the same size would let up to twice the limit through in the first
/// window. Leases are taken per attempt, so retries spend budget as they do upstream.
/// </remarks>
internal sealed class PollyClient : IBenchClient
{
    private readonly HttpClient _http;
    private readonly ConcurrencyLimiter _concurrency;
    private readonly RateLimiter? _requests;
    private readonly RateLimiter? _tokens;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    /// <summary>A client of the upstream at <paramref name="baseAddress"/>.</summary>
    /// <param name="baseAddress">The upstream.</param>
    /// <param name="profile">Limits and policies.</param>
    /// <param name="onBreakerChange">Told the breaker's new state ("Open", "HalfOpen", "Closed").</param>
    public PollyClient(Uri baseAddress, ClientProfile profile, Action<string>? onBreakerChange = null)
    {
        _http = RawHttpClient.CreateHttp(baseAddress, profile);
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = profile.Concurrency,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _requests = profile.Requests is { } requests ? Window(requests, profile.Window) : null;
        _tokens = profile.Tokens is { } tokens ? Window(tokens, profile.Window) : null;
        _pipeline = BuildPipeline(profile, onBreakerChange);
    }

    /// <inheritdoc />
    public string Name => "Polly";

    /// <inheritdoc />
    public async Task<CallOutcome> SendAsync(BenchCall call, CancellationToken cancellationToken)
    {
        using var slot = await _concurrency.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        try
        {
            using var response = await _pipeline.ExecuteAsync(
                static (state, token) => state.Self.AttemptAsync(state.Call, token),
                (Self: this, Call: call),
                cancellationToken).ConfigureAwait(false);
            _ = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return new CallOutcome(response.IsSuccessStatusCode ? OutcomeStatus.Completed : OutcomeStatus.Failed, (int)response.StatusCode);
        }
        catch (BrokenCircuitException)
        {
            return new CallOutcome(OutcomeStatus.Rejected, 0);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException)
        {
            return new CallOutcome(OutcomeStatus.Failed, 0);
        }
    }

    private async ValueTask<HttpResponseMessage> AttemptAsync(BenchCall call, CancellationToken token)
    {
        // Sliding-window leases free their permits when the window moves, not on dispose.
        if (_requests is not null)
        {
            using var lease = await _requests.AcquireAsync(1, token).ConfigureAwait(false);
            if (!lease.IsAcquired) throw new InvalidOperationException("the request limiter refused a lease");
        }

        if (_tokens is not null)
        {
            using var lease = await _tokens.AcquireAsync(call.Tokens, token).ConfigureAwait(false);
            if (!lease.IsAcquired) throw new InvalidOperationException("the token limiter refused a lease");
        }

        using var content = new StringContent(call.Payload, Encoding.UTF8, "application/json");
        var response = await _http.PostAsync(Workload.Path, content, token).ConfigureAwait(false);
        try
        {
            // Inside the attempt, so the attempt timeout covers the body too.
            await response.Content.LoadIntoBufferAsync(token).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static SlidingWindowRateLimiter Window(int limit, TimeSpan window) =>
        new(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = window,
            SegmentsPerWindow = 10,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });

    private static ResiliencePipeline<HttpResponseMessage> BuildPipeline(ClientProfile profile, Action<string>? onBreakerChange) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException or BrokenCircuitException } => true,
                    { Result: { } response } => IsTransient(response.StatusCode),
                    _ => false,
                }),
                MaxRetryAttempts = profile.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = profile.BaseDelay,
                MaxDelay = profile.MaxDelay,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Result: { } response } => RetryAfterOf(response),
                    { Exception: BrokenCircuitException { RetryAfter: { } retryAfter } } => retryAfter,
                    _ => null,
                }),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                // 429 is the limiter's business, not a sign the upstream is down.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } response } => (int)response.StatusCode >= 500,
                    _ => false,
                }),
                // A short sampling window: with a long one, the successes before an outage keep
                // the failure ratio low, and the breaker opens late or never.
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(2),
                BreakDuration = profile.BreakDuration,
                OnOpened = _ => Notify(onBreakerChange, "Open"),
                OnHalfOpened = _ => Notify(onBreakerChange, "HalfOpen"),
                OnClosed = _ => Notify(onBreakerChange, "Closed"),
            })
            .AddTimeout(profile.AttemptTimeout)
            .Build();

    private static ValueTask Notify(Action<string>? observer, string state)
    {
        observer?.Invoke(state);
        return ValueTask.CompletedTask;
    }

    private static bool IsTransient(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>
    /// The wait a response asks for: <c>retry-after-ms</c> when present (exact, as OpenAI sends it),
    /// else <c>Retry-After</c> as seconds or a date; <see langword="null"/> when it asks for none,
    /// which leaves the exponential backoff in charge.
    /// </summary>
    internal static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var values) &&
            double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) &&
            milliseconds >= 0)
            return TimeSpan.FromMilliseconds(milliseconds);

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return delta;
            if (retryAfter.Date is { } date) return date > DateTimeOffset.UtcNow ? date - DateTimeOffset.UtcNow : TimeSpan.Zero;
        }

        return null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _concurrency.DisposeAsync().ConfigureAwait(false);
        if (_requests is not null) await _requests.DisposeAsync().ConfigureAwait(false);
        if (_tokens is not null) await _tokens.DisposeAsync().ConfigureAwait(false);
    }
}
