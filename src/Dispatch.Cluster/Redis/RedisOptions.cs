using System.Globalization;

namespace Dispatch.Cluster.Redis;

/// <summary>Where and how to connect to Redis.</summary>
public sealed record RedisOptions
{
    /// <summary>The server as <c>host:port</c>; the port defaults to 6379 when omitted. Default <c>127.0.0.1:6379</c>.</summary>
    public string Endpoint { get; init; } = "127.0.0.1:6379";

    /// <summary>The ACL user for <c>AUTH</c>; null authenticates as the default user. Default null.</summary>
    public string? User { get; init; }

    /// <summary>The password for <c>AUTH</c>; null skips authentication. Default null.</summary>
    public string? Password { get; init; }

    /// <summary>The logical database selected after connecting. Default 0.</summary>
    public int Database { get; init; }

    /// <summary>How long connecting (TCP, AUTH and SELECT) may take. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The wait before the second reconnect attempt after a failed one; it doubles per failure. Default 100 ms.</summary>
    public TimeSpan ReconnectMinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between reconnect attempts. Default 5 seconds.</summary>
    public TimeSpan ReconnectMaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a reply may take before the connection is declared dead (a server or network that
    /// stopped answering without closing the socket). Replies arrive in order, so one overdue reply
    /// means every later one is stuck too. A blocking read (<c>XREADGROUP BLOCK</c>) must block for
    /// less than this, or run on a client whose timeout is null. Null waits forever. Default 10 seconds.
    /// </summary>
    public TimeSpan? CommandTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock for timeouts and reconnect backoff. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The name shown by <c>CLIENT LIST</c>; null sets none. Default null.</summary>
    public string? ClientName { get; init; }

    /// <summary>The host part of <see cref="Endpoint"/>.</summary>
    public string Host => SplitEndpoint().Host;

    /// <summary>The port part of <see cref="Endpoint"/>.</summary>
    public int Port => SplitEndpoint().Port;

    /// <summary>The settings for logs and messages, with the password masked (secrets never reach logs).</summary>
    public override string ToString() =>
        $"RedisOptions {{ Endpoint = {Endpoint}, User = {User ?? "(default)"}, Password = {(Password is null ? "(none)" : "***")}, " +
        $"Database = {Database}, ConnectTimeout = {ConnectTimeout}, CommandTimeout = {CommandTimeout?.ToString() ?? "(none)"}, ClientName = {ClientName ?? "(none)"} }}";

    /// <summary>Options for <c>host:port</c> with every other setting at its default.</summary>
    public static RedisOptions For(string endpoint) => new RedisOptions { Endpoint = endpoint }.Validate();

    /// <summary>Checks every setting and says which one is wrong and why.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public RedisOptions Validate()
    {
        SplitEndpoint();
        if (Database < 0) throw new ArgumentException($"redis.database must be 0 or more, not {Database}.", nameof(Database));
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentException($"redis.connect-timeout must be positive, not {ConnectTimeout}.", nameof(ConnectTimeout));
        if (ReconnectMinBackoff < TimeSpan.Zero) throw new ArgumentException($"redis.reconnect-min-backoff must not be negative, not {ReconnectMinBackoff}.", nameof(ReconnectMinBackoff));
        if (ReconnectMaxBackoff < ReconnectMinBackoff)
            throw new ArgumentException($"redis.reconnect-max-backoff ({ReconnectMaxBackoff}) must be at least reconnect-min-backoff ({ReconnectMinBackoff}).", nameof(ReconnectMaxBackoff));
        if (CommandTimeout is { } commandTimeout && commandTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"redis.command-timeout must be positive (or unset), not {commandTimeout}.", nameof(CommandTimeout));
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (User is not null && Password is null) throw new ArgumentException("redis.user is set but redis.password is not; AUTH needs both.", nameof(User));
        return this;
    }

    private (string Host, int Port) SplitEndpoint()
    {
        if (string.IsNullOrWhiteSpace(Endpoint)) throw new ArgumentException("redis.endpoint is empty; expected host:port.", nameof(Endpoint));
        // A bracketed IPv6 literal ("[::1]:6379") holds colons of its own.
        int colon = Endpoint.LastIndexOf(':');
        bool bracketed = Endpoint.StartsWith('[');
        if (colon < 0 || (bracketed && colon < Endpoint.IndexOf(']', StringComparison.Ordinal)))
            return (bracketed ? Endpoint.Trim('[', ']') : Endpoint, 6379);
        string host = Endpoint[..colon].Trim('[', ']');
        if (host.Length == 0) throw new ArgumentException($"redis.endpoint '{Endpoint}' has no host; expected host:port.", nameof(Endpoint));
        if (!int.TryParse(Endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new ArgumentException($"redis.endpoint '{Endpoint}' has an invalid port; expected host:port with a port from 1 to 65535.", nameof(Endpoint));
        return (host, port);
    }
}
