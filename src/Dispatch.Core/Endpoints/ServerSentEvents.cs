using Dispatch.Core.Errors;

namespace Dispatch.Core.Endpoints;

/// <summary>
/// The little of server-sent events (text/event-stream) a relay needs: where events end (a blank line, <c>\n\n</c> or
/// <c>\r\n\r\n</c>), and the token usage an OpenAI-style stream reports in its last <c>data:</c> chunk (chat and text
/// completions' usage chunk, or the Responses API's <c>response.completed</c> event).
/// </summary>
internal static class ServerSentEvents
{
    /// <summary>The length of the complete events at the start of <paramref name="buffer"/> (up to the last blank line); 0 when none is complete.</summary>
    public static int CompleteLength(ReadOnlySpan<byte> buffer)
    {
        for (var i = buffer.Length - 2; i >= 0; i--)
        {
            if (EndAt(buffer, i) is var end and > 0) return end;
        }

        return 0;
    }

    /// <summary>The length of the first event of <paramref name="buffer"/>, its blank line included; the whole buffer when it holds no end.</summary>
    public static int NextEventLength(ReadOnlySpan<byte> buffer)
    {
        for (var i = 0; i < buffer.Length - 1; i++)
        {
            if (EndAt(buffer, i) is var end and > 0) return end;
        }

        return buffer.Length;
    }

    /// <summary>Reads <c>usage.total_tokens</c> from an event whose <c>data:</c> is a JSON object with a usage (OpenAI's final chunk).</summary>
    /// <param name="sseEvent">One whole event.</param>
    /// <param name="totalTokens">The tokens used, when the event reports them.</param>
    public static bool TryReadUsage(ReadOnlySpan<byte> sseEvent, out long totalTokens)
    {
        totalTokens = 0;
        // Cheap first: most chunks carry no usage at all, or "usage":null.
        if (sseEvent.IndexOf("\"usage\""u8) < 0) return false;
        var at = 0;
        while (at < sseEvent.Length)
        {
            var line = sseEvent[at..];
            var newline = line.IndexOfAny((byte)'\n', (byte)'\r');
            if (newline >= 0) line = line[..newline];
            if (line.StartsWith("data:"u8))
            {
                var data = line[5..];
                if (!data.IsEmpty && data[0] == (byte)' ') data = data[1..];
                return UsageParser.TryReadTotalTokens(data, out totalTokens);
            }

            if (newline < 0) break;
            at += newline + 1;
        }

        return false;
    }

    /// <summary>Where the event ends when a line break at <paramref name="i"/> is followed by a blank line; 0 otherwise.</summary>
    private static int EndAt(ReadOnlySpan<byte> buffer, int i)
    {
        if (buffer[i] != (byte)'\n') return 0;
        if (buffer[i + 1] == (byte)'\n') return i + 2;
        return buffer[i + 1] == (byte)'\r' && i + 2 < buffer.Length && buffer[i + 2] == (byte)'\n' ? i + 3 : 0;
    }
}
