using System.Text;

namespace Dispatch.Cli.Bench;

/// <summary>
/// The ceiling: a pooled <see cref="HttpClient"/> behind a <see cref="SemaphoreSlim"/> of the same
/// concurrency, no limiter, no retry, no breaker. What a call costs with nothing in between.
/// </summary>
internal sealed class RawHttpClient : IBenchClient
{
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate;

    /// <summary>A client of the upstream at <paramref name="baseAddress"/>.</summary>
    public RawHttpClient(Uri baseAddress, ClientProfile profile)
    {
        _http = CreateHttp(baseAddress, profile);
        _gate = new SemaphoreSlim(profile.Concurrency, profile.Concurrency);
    }

    /// <inheritdoc />
    public string Name => "HttpClient";

    /// <inheritdoc />
    public async Task<CallOutcome> SendAsync(BenchCall call, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var content = new StringContent(call.Payload, Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(Workload.Path, content, cancellationToken).ConfigureAwait(false);
            // Read the body as Dispatch does, so both pay for it.
            _ = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return new CallOutcome(response.IsSuccessStatusCode ? OutcomeStatus.Completed : OutcomeStatus.Failed, (int)response.StatusCode);
        }
        catch (HttpRequestException)
        {
            return new CallOutcome(OutcomeStatus.Failed, 0);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The pooled client every HttpClient-based peer uses: one connection per concurrent call.</summary>
    internal static HttpClient CreateHttp(Uri baseAddress, ClientProfile profile) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = profile.Concurrency,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            BaseAddress = baseAddress,
            // Each peer applies its own attempt timeout; HttpClient's must not cut in first.
            Timeout = Timeout.InfiniteTimeSpan,
        };

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
