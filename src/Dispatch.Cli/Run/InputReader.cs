using System.Runtime.CompilerServices;

namespace Dispatch.Cli.Run;

/// <summary>Streams a JSONL input: one parsed line at a time, never the whole file in memory.</summary>
internal static class InputReader
{
    /// <summary>The non-blank lines of <paramref name="path"/>, parsed, in file order.</summary>
    /// <param name="path">The input file.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    public static async IAsyncEnumerable<InputLine> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(path, new FileStreamOptions { Access = FileAccess.Read, Share = FileShare.ReadWrite, Options = FileOptions.SequentialScan });
        long number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return InputLine.Parse(number, line);
        }
    }

    /// <summary>The number of non-blank lines, counted without keeping them.</summary>
    /// <param name="path">The input file.</param>
    /// <param name="cancellationToken">Stops counting.</param>
    public static async Task<long> CountAsync(string path, CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(path, new FileStreamOptions { Access = FileAccess.Read, Share = FileShare.ReadWrite, Options = FileOptions.SequentialScan });
        long count = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line)) count++;
        }

        return count;
    }
}
