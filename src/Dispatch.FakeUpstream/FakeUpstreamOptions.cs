using System.Net;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.RateLimiting;
using Microsoft.Extensions.Logging;

namespace Dispatch.FakeUpstream;

/// <summary>How a <see cref="FakeUpstreamServer"/> listens and behaves. Every default is a plain, unlimited, instant server on loopback.</summary>
public sealed record FakeUpstreamOptions
{
    /// <summary>The address to listen on. Default <see cref="IPAddress.Loopback"/> (127.0.0.1).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The TCP port; 0 (the default) picks a free one, read back from <see cref="FakeUpstreamServer.Port"/>.</summary>
    public int Port { get; init; }

    /// <summary>The limits of every API key. Default <see cref="RateLimitOptions.Unlimited"/>.</summary>
    public RateLimitOptions Limits { get; init; } = RateLimitOptions.Unlimited;

    /// <summary>Response delays. Default <see cref="LatencyOptions.None"/>.</summary>
    public LatencyOptions Latency { get; init; } = LatencyOptions.None;

    /// <summary>Random faults and body-fault sizes. Default <see cref="FaultOptions.None"/>.</summary>
    public FaultOptions Faults { get; init; } = FaultOptions.None;

    /// <summary>
    /// When set, API requests must carry this key (<c>Authorization: Bearer</c> or <c>x-api-key</c>)
    /// or get 401. Default <c>null</c>: any key, or none, is accepted.
    /// </summary>
    public string? RequiredApiKey { get; init; }

    /// <summary>The largest request body accepted; larger bodies get 413. Default 4 MiB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>The clock of the rate-limit windows, Retry-After, <c>created</c> and outages. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Seeds the random source of faults and latency; <c>null</c> (the default) seeds from the system.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>Receives ASP.NET Core's logs; <c>null</c> (the default) turns logging off.</summary>
    public ILoggerProvider? LoggerProvider { get; init; }

    /// <summary>How long stopping waits for requests in flight before aborting them. Default 5 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a streamed chat completion or response (<c>"stream": true</c>) waits between its text chunks, on real time.
    /// Default zero: the chunks go out back to back.
    /// </summary>
    public TimeSpan StreamChunkGap { get; init; }

    /// <summary>
    /// How many <c>chat.completion.chunk</c> events (the finish and usage chunks not counted), or a streamed response's
    /// <c>response.output_text.delta</c> events, carry a streamed answer's text. Default 5.
    /// </summary>
    public int StreamChunks { get; init; } = 5;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (BindAddress is null) throw OptionError.Create(nameof(BindAddress), "must not be null");
        if (Port is < 0 or > 65535) throw OptionError.Create(nameof(Port), $"must be 0 (any free port) or a port in 1-65535 (was {Port})");
        if (Limits is null) throw OptionError.Create(nameof(Limits), "must not be null");
        Limits.Validate();
        if (Latency is null) throw OptionError.Create(nameof(Latency), "must not be null");
        Latency.Validate();
        if (Faults is null) throw OptionError.Create(nameof(Faults), "must not be null");
        Faults.Validate();
        if (RequiredApiKey is { Length: 0 }) throw OptionError.Create(nameof(RequiredApiKey), "must be null (no key required) or not empty");
        if (MaxRequestBodyBytes <= 0) throw OptionError.Create(nameof(MaxRequestBodyBytes), $"must be positive (was {MaxRequestBodyBytes})");
        if (TimeProvider is null) throw OptionError.Create(nameof(TimeProvider), "must not be null");
        if (StreamChunkGap < TimeSpan.Zero) throw OptionError.Create(nameof(StreamChunkGap), $"must not be negative (was {StreamChunkGap})");
        if (StreamChunks is < 1 or > 10_000) throw OptionError.Create(nameof(StreamChunks), $"must be between 1 and 10000 (was {StreamChunks})");
        if (ShutdownTimeout < TimeSpan.Zero) throw OptionError.Create(nameof(ShutdownTimeout), $"must not be negative (was {ShutdownTimeout})");
    }
}
