using System.Security.Cryptography;
using System.Text;

namespace Dispatch.Cluster.Redis;

/// <summary>A Lua script and its SHA-1, the name Redis caches it under for <c>EVALSHA</c>.</summary>
public sealed class RedisScript
{
    /// <summary>Wraps a script; its SHA-1 is computed here, as Redis computes it.</summary>
    public RedisScript(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        Text = text;
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The Lua source.</summary>
    public string Text { get; }

    /// <summary>The lowercase hex SHA-1 of <see cref="Text"/>.</summary>
    public string Sha1 { get; }
}
