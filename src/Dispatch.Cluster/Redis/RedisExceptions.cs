namespace Dispatch.Cluster.Redis;

/// <summary>The base of every error the Redis client raises.</summary>
public class RedisException : Exception
{
    /// <summary>Creates an error with a message.</summary>
    public RedisException(string message) : base(message) { }

    /// <summary>Creates an error with a message and the exception that caused it.</summary>
    public RedisException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The server answered a command with an error reply (<c>-ERR ...</c>).</summary>
public sealed class RedisServerException : RedisException
{
    /// <summary>Creates the error from the server's message and the command that caused it.</summary>
    public RedisServerException(string serverMessage, string command)
        : base(serverMessage)
    {
        ServerMessage = serverMessage;
        Command = command;
    }

    /// <summary>The server's error text, exactly as sent (for example <c>NOSCRIPT No matching script</c>).</summary>
    public string ServerMessage { get; }

    /// <summary>The command the server rejected.</summary>
    public string Command { get; }

    /// <summary>The error's prefix word (<c>ERR</c>, <c>NOSCRIPT</c>, <c>BUSYGROUP</c>, <c>WRONGTYPE</c>...).</summary>
    public string ErrorKind
    {
        get
        {
            int space = ServerMessage.IndexOf(' ');
            return space < 0 ? ServerMessage : ServerMessage[..space];
        }
    }
}

/// <summary>The connection to Redis could not be made or was lost; the command's outcome is unknown.</summary>
public sealed class RedisConnectionException : RedisException
{
    /// <summary>Creates the error naming the endpoint.</summary>
    public RedisConnectionException(string endpoint, string message, Exception? inner = null)
        : base(message, inner) => Endpoint = endpoint;

    /// <summary>The <c>host:port</c> the connection was (or was to be) made to.</summary>
    public string Endpoint { get; }
}

/// <summary>The server sent bytes that are not valid RESP2; the connection is closed because the stream can no longer be framed.</summary>
public sealed class RedisProtocolException : RedisException
{
    /// <summary>Creates the error with a description of what was malformed.</summary>
    public RedisProtocolException(string message) : base(message) { }
}
