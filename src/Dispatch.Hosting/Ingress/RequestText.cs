using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Dispatch.Hosting.Ingress;

/// <summary>
/// Reads a request's body as text from Kestrel's buffers through one pooled array, with no allocation but the
/// text itself (a <see cref="StreamReader"/> allocates about 3.5 KB of buffers per request).
/// </summary>
internal static class RequestText
{
    /// <summary>Kestrel refuses a body above its own limit as it is read; this caps only what one content-length claims up front.</summary>
    private const int MaxInitialBuffer = 1 << 20;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The whole body decoded as UTF-8, a leading byte order mark dropped and invalid bytes replaced.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Ends the read when the client goes away.</param>
    public static async Task<string> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var reader = request.BodyReader;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 0, 256, MaxInitialBuffer));
        var length = 0;
        try
        {
            while (true)
            {
                // Every read is consumed at once: what waits in Kestrel's buffers stays small however large the body.
                var read = await reader.ReadAsync(cancellationToken);
                var data = read.Buffer;
                if (length + data.Length > buffer.Length) buffer = Grow(buffer, length, length + data.Length);
                data.CopyTo(buffer.AsSpan(length));
                length += (int)data.Length;
                reader.AdvanceTo(data.End);
                if (read.IsCompleted) break;
            }

            var text = buffer.AsSpan(0, length);
            if (text.StartsWith(Utf8Bom)) text = text[Utf8Bom.Length..];
            return Encoding.UTF8.GetString(text);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Grow(byte[] buffer, int used, long needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Max(needed, 2L * buffer.Length));
        buffer.AsSpan(0, used).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
