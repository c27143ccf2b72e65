using System.Diagnostics.Metrics;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Protocol;

namespace Dispatch.Hosting.Telemetry;

/// <summary>
/// Dispatch's instruments on the <see cref="Meter"/> named <c>Dispatch</c>: calls by status, retries
/// and call duration from each final result; queue depth, in flight, credits left, 429s and breaker
/// state from the latest status snapshot. On a node with a <see cref="DispatchProxy"/>: the calls it answered
/// and their duration as the application saw them (tagged <c>via = proxy</c>), its re-sends and cut-off calls
/// from its events, and its calls outstanding and dispatch nodes ready from its latest status.
/// </summary>
public sealed class DispatchMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Dispatch";

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _resends;
    private readonly Counter<long> _cutOff;
    private volatile DispatchStatus? _latest;
    private volatile DispatchProxyStatus? _latestProxy;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or an own meter when there is none.</summary>
    /// <param name="meterFactory">The host's meter factory, if any.</param>
    public DispatchMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _calls = _meter.CreateCounter<long>("dispatch.calls", "{call}", "Calls that got their final result, by endpoint and status.");
        _retries = _meter.CreateCounter<long>("dispatch.retries", "{attempt}", "Attempts after the first, by endpoint.");
        _duration = _meter.CreateHistogram<double>("dispatch.call.duration", "s", "From arrival to final result, by endpoint and status.");
        _meter.CreateObservableGauge("dispatch.queue.depth", () => Observe(s => s.QueueDepth), "{call}", "Calls waiting for an executor.");
        _meter.CreateObservableGauge("dispatch.in_flight", () => Observe(s => s.InFlight), "{call}", "Calls held by executors.");
        _meter.CreateObservableGauge("dispatch.credits.requests", () => ObserveNullable(s => s.RequestCreditsLeft), "{request}", "Request credits that could be granted now (limited endpoints only).");
        _meter.CreateObservableGauge("dispatch.credits.tokens", () => ObserveNullable(s => s.TokenCreditsLeft), "{token}", "Token credits that could be granted now (limited endpoints only).");
        _meter.CreateObservableGauge("dispatch.limit.requests", () => ObserveNullable(s => s.RequestLimit), "{request}", "The configured request limit per interval (limited endpoints only).");
        _meter.CreateObservableGauge("dispatch.limit.requests.in_force", () => ObserveNullable(s => s.RequestLimitInForce), "{request}", "The request limit in force, lower than the configured one when learned from the provider.");
        _meter.CreateObservableGauge("dispatch.limit.tokens", () => ObserveNullable(s => s.TokenLimit), "{token}", "The configured token limit per interval (limited endpoints only).");
        _meter.CreateObservableGauge("dispatch.limit.tokens.in_force", () => ObserveNullable(s => s.TokenLimitInForce), "{token}", "The token limit in force, lower than the configured one when learned from the provider.");
        _meter.CreateObservableGauge("dispatch.breaker.state", () => Observe(s => (int)s.Breaker), null, "0 = closed, 1 = open, 2 = half-open.");
        _meter.CreateObservableCounter("dispatch.upstream.rate_limited", () => Observe(s => s.Counters.RateLimited), "{response}", "429 answers received from the upstream.");
        _resends = _meter.CreateCounter<long>("dispatch.proxy.resends", "{call}", "Calls the proxy sent again because the node running them was lost, by endpoint.");
        _cutOff = _meter.CreateCounter<long>("dispatch.proxy.cut_off", "{call}", "Streamed calls whose node was lost after their answer began (not sent again; answered Failed), by endpoint.");
        _meter.CreateObservableGauge("dispatch.proxy.outstanding", () => ObserveProxy(p => p.Calls), "{call}", "Calls the proxy holds unanswered, on dispatch nodes or waiting for one.");
        _meter.CreateObservableGauge("dispatch.proxy.nodes", () => ObserveProxy(p => p.Nodes.Count(n => n.Ready)), "{node}", "Dispatch nodes the proxy can send calls to (known, reachable, not leaving).");
    }

    /// <summary>Records one final result.</summary>
    /// <param name="finished">The event published for it.</param>
    public void Record(CallFinished finished)
    {
        ArgumentNullException.ThrowIfNull(finished);
        var endpoint = new KeyValuePair<string, object?>("endpoint", finished.Endpoint);
        var status = new KeyValuePair<string, object?>("status", finished.Result.Status.ToString());
        _calls.Add(1, endpoint, status);
        _duration.Record(finished.Result.TotalTime.TotalSeconds, endpoint, status);
        if (finished.Result.Attempts > 1) _retries.Add(finished.Result.Attempts - 1, endpoint);
    }

    /// <summary>Records one answer a proxy gave, tagged <c>via = proxy</c> so a node that also runs the pipeline counts the call once per path.</summary>
    /// <param name="finished">The event the proxy published for it.</param>
    public void Record(ProxyCallFinished finished)
    {
        ArgumentNullException.ThrowIfNull(finished);
        var endpoint = new KeyValuePair<string, object?>("endpoint", finished.Endpoint);
        var status = new KeyValuePair<string, object?>("status", finished.Result.Status.ToString());
        var via = new KeyValuePair<string, object?>("via", "proxy");
        _calls.Add(1, endpoint, status, via);
        _duration.Record(finished.Duration.TotalSeconds, endpoint, status, via);
    }

    /// <summary>Records one call a proxy sent again after its node was lost.</summary>
    /// <param name="resent">The event the proxy published for it.</param>
    public void Record(CallResent resent)
    {
        ArgumentNullException.ThrowIfNull(resent);
        _resends.Add(1, new KeyValuePair<string, object?>("endpoint", resent.Endpoint));
    }

    /// <summary>Records one streamed call a proxy could not send again because its answer had begun.</summary>
    /// <param name="cutOff">The event the proxy published for it.</param>
    public void Record(CallCutOff cutOff)
    {
        ArgumentNullException.ThrowIfNull(cutOff);
        _cutOff.Add(1, new KeyValuePair<string, object?>("endpoint", cutOff.Endpoint));
    }

    /// <summary>Replaces the snapshot the gauges report.</summary>
    /// <param name="status">The latest status.</param>
    public void Update(DispatchStatus status) => _latest = status;

    /// <summary>Replaces the proxy's state the proxy gauges report.</summary>
    /// <param name="status">The proxy's latest state.</param>
    public void Update(DispatchProxyStatus status) => _latestProxy = status;

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<T>> Observe<T>(Func<StatusSnapshot, T> read) where T : struct
    {
        var status = _latest;
        if (status is null) yield break;
        foreach (var endpoint in status.Endpoints)
            yield return new Measurement<T>(read(endpoint), new KeyValuePair<string, object?>("endpoint", endpoint.Endpoint));
    }

    private IEnumerable<Measurement<int>> ObserveProxy(Func<DispatchProxyStatus, int> read)
    {
        if (_latestProxy is { } status) yield return new Measurement<int>(read(status));
    }

    private IEnumerable<Measurement<long>> ObserveNullable(Func<StatusSnapshot, long?> read)
    {
        var status = _latest;
        if (status is null) yield break;
        foreach (var endpoint in status.Endpoints)
        {
            if (read(endpoint) is { } value)
                yield return new Measurement<long>(value, new KeyValuePair<string, object?>("endpoint", endpoint.Endpoint));
        }
    }
}
