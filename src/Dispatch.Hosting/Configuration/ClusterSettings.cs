using Dispatch.Cluster;

namespace Dispatch.Hosting.Configuration;

/// <summary>
/// Cluster mode as configured (<c>dispatch.cluster</c>): the <see cref="ClusterOptions"/> and the name of the
/// environment variable holding the Redis password, which is read only when the node starts so the secret is
/// never part of the configuration.
/// </summary>
public sealed record ClusterSettings
{
    /// <summary>The cluster options; their <see cref="Cluster.Redis.RedisOptions.Password"/> is always null here.</summary>
    public ClusterOptions Options { get; init; } = new();

    /// <summary>The environment variable holding the Redis password (<c>redis.password-env</c>); null authenticates with none. Default null.</summary>
    public string? RedisPasswordEnv { get; init; }

    /// <summary>Whether cluster mode is on (<c>dispatch.cluster.enabled</c>).</summary>
    public bool Enabled => Options.Enabled;

    /// <summary>
    /// The options a node runs with: the Redis password read from <see cref="RedisPasswordEnv"/>, and
    /// <paramref name="time"/> as the clock of the node and its Redis connections.
    /// </summary>
    /// <param name="environment">Reads an environment variable.</param>
    /// <param name="time">The node's clock.</param>
    /// <exception cref="Core.Options.DispatchOptionsException">The password variable is named but not set.</exception>
    public ClusterOptions Resolve(Func<string, string?> environment, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(time);
        string? password = null;
        if (RedisPasswordEnv is { } env)
        {
            password = environment(env);
            if (string.IsNullOrEmpty(password))
                throw new Core.Options.DispatchOptionsException([$"{ClusterOptions.Path}.redis.password-env names {env}, which is not set: set it to the Redis password"]);
        }

        return (Options with
        {
            TimeProvider = time,
            Redis = Options.Redis with { Password = password, TimeProvider = time },
        }).Validate();
    }

    internal void Check(List<string> errors)
    {
        if (RedisPasswordEnv is { } env && (env.Length == 0 || !env.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
            errors.Add($"{ClusterOptions.Path}.redis.password-env must be the name of an environment variable (letters, digits, '_'), not the password itself");
        try
        {
            // The password is read at start; a stand-in lets a configured user pass the check that AUTH has both.
            var redis = RedisPasswordEnv is null ? Options.Redis : Options.Redis with { Password = "(from " + RedisPasswordEnv + ")" };
            (Options with { Redis = redis }).Validate();
        }
        catch (ArgumentException e)
        {
            // ClusterOptions names the key first ("dispatch.cluster.lease-size must be ..."); ArgumentException appends the parameter.
            errors.Add(e.Message.Split(" (Parameter '", 2)[0]);
        }
    }
}
