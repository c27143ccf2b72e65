using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Core.Protocol;

namespace Dispatch.Cli.Run;

/// <summary>
/// The output of a batch run: every result, one JSON line each in completion order, and the
/// failed ones also in <c>&lt;name&gt;.errors.jsonl</c>. Each line is flushed as it is written, so a
/// killed run leaves at most one partial line, which the next run removes before it appends. A
/// re-run appends the new outcome of an id sent again; <see cref="Compact"/> then keeps only each
/// id's latest line.
/// </summary>
internal sealed class ResultFiles : IAsyncDisposable
{
    private readonly StreamWriter _results;
    private readonly StreamWriter _errors;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private ResultFiles(StreamWriter results, StreamWriter errors)
    {
        _results = results;
        _errors = errors;
    }

    /// <summary>The errors file that goes with an output file: <c>results.jsonl</c> → <c>results.errors.jsonl</c>.</summary>
    /// <param name="outputPath">The output file.</param>
    public static string ErrorsPathFor(string outputPath)
    {
        var extension = Path.GetExtension(outputPath);
        var stem = extension.Length == 0 ? outputPath : outputPath[..^extension.Length];
        return stem + ".errors" + (extension.Length == 0 ? ".jsonl" : extension);
    }

    /// <summary>Opens both files for appending, after cutting off a partial last line left by a killed run.</summary>
    /// <param name="outputPath">The output file.</param>
    public static ResultFiles Open(string outputPath)
    {
        var errorsPath = ErrorsPathFor(outputPath);
        TrimPartialLine(outputPath);
        TrimPartialLine(errorsPath);
        return new ResultFiles(OpenAppend(outputPath), OpenAppend(errorsPath));
    }

    /// <summary>
    /// The latest outcome of every id already in an output file (its last line wins): <see langword="true"/>
    /// when that outcome was <c>Completed</c>. A re-run skips the completed ids and sends the others again.
    /// </summary>
    /// <param name="outputPath">The output file; missing means none.</param>
    public static Dictionary<string, bool> ReadLatestOutcomes(string outputPath)
    {
        var latest = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (!File.Exists(outputPath)) return latest;
        foreach (var line in File.ReadLines(outputPath))
        {
            if (TryReadOutcome(line, out var id, out var completed)) latest[id] = completed;
        }

        return latest;
    }

    /// <summary>
    /// Rewrites the output to one line per id, its latest, and the errors file to the ids whose latest
    /// outcome did not complete. Each file is written beside itself and renamed over the old one, so a
    /// crash at any moment leaves either the old file or the new one, never a line less.
    /// </summary>
    /// <param name="outputPath">The output file (closed).</param>
    /// <param name="superseded">Ids whose lines are dropped: results another id now stands for (see <see cref="RunIds"/>).</param>
    /// <returns>How many ids the output holds, and how many of them did not complete.</returns>
    public static (int Ids, int NotCompleted) Compact(string outputPath, IReadOnlySet<string>? superseded = null)
    {
        if (!File.Exists(outputPath)) return (0, 0);
        // First pass: where each id's latest line is; second pass: copy just those lines, in order.
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        long index = 0;
        foreach (var line in File.ReadLines(outputPath))
        {
            if (TryReadOutcome(line, out var id, out _) && superseded?.Contains(id) != true) last[id] = index;
            index++;
        }

        var notCompleted = 0;
        var results = outputPath + ".compacting";
        var errors = ErrorsPathFor(outputPath) + ".compacting";
        using (var resultsWriter = CreateDurable(results))
        using (var errorsWriter = CreateDurable(errors))
        {
            index = 0;
            foreach (var line in File.ReadLines(outputPath))
            {
                if (TryReadOutcome(line, out var id, out var completed) && last.TryGetValue(id, out var latest) && latest == index)
                {
                    resultsWriter.WriteLine(line);
                    if (!completed)
                    {
                        errorsWriter.WriteLine(line);
                        notCompleted++;
                    }
                }

                index++;
            }

            resultsWriter.Flush();
            errorsWriter.Flush();
            ((FileStream)resultsWriter.BaseStream).Flush(flushToDisk: true);
            ((FileStream)errorsWriter.BaseStream).Flush(flushToDisk: true);
        }

        File.Move(results, outputPath, overwrite: true);
        File.Move(errors, ErrorsPathFor(outputPath), overwrite: true);
        return (last.Count, notCompleted);
    }

    /// <summary>Writes one result line (and the errors file's, when it did not complete).</summary>
    /// <param name="line">The input line.</param>
    /// <param name="result">Its result.</param>
    public async Task WriteAsync(InputLine line, APICallResult result)
    {
        var json = Render(line, result);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _results.WriteLineAsync(json).ConfigureAwait(false);
            await _results.FlushAsync().ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                await _errors.WriteLineAsync(json).ConfigureAwait(false);
                await _errors.FlushAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _results.DisposeAsync().ConfigureAwait(false);
        await _errors.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    /// <summary>One result as a JSON line: id, line, status, the response (JSON when it parses), error, metadata.</summary>
    internal static string Render(InputLine line, APICallResult result)
    {
        var obj = new JsonObject
        {
            ["id"] = line.Id,
            ["line"] = line.LineNumber,
            ["status"] = result.Status.ToString(),
        };
        if (result.HttpStatus is { } http) obj["httpStatus"] = http;
        if (result.Body is { } body) obj["response"] = ParseOrText(body);
        if (result.Error != ErrorKind.None)
        {
            obj["error"] = result.Error.ToString();
            obj["errorMessage"] = result.ErrorMessage;
        }

        obj["attempts"] = result.Attempts;
        obj["tokens"] = result.TokensCharged;
        obj["durationMs"] = Math.Round(result.TotalTime.TotalMilliseconds, 1);
        if (line.Metadata is not null) obj["metadata"] = line.Metadata.DeepClone();
        return obj.ToJsonString();
    }

    private static JsonNode? ParseOrText(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return JsonValue.Create(body);
        }
    }

    private static bool TryReadOutcome(string line, out string id, out bool completed)
    {
        id = "";
        completed = false;
        if (string.IsNullOrWhiteSpace(line)) return false;
        try
        {
            if (JsonNode.Parse(line) is not JsonObject obj || obj["id"]?.ToString() is not { } found) return false;
            id = found;
            completed = obj["status"]?.ToString() == nameof(CallStatus.Completed);
            return true;
        }
        catch (JsonException)
        {
            // A partial last line of a killed run: that call runs again.
            return false;
        }
    }

    private static StreamWriter CreateDurable(string path) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None), new UTF8Encoding(false));

    private static StreamWriter OpenAppend(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        return new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
    }

    /// <summary>Cuts a file back to its last newline: what follows is a line a killed run did not finish.</summary>
    private static void TrimPartialLine(string path)
    {
        if (!File.Exists(path)) return;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var length = stream.Length;
        if (length == 0) return;
        var buffer = new byte[4096];
        var end = length;
        while (end > 0)
        {
            var chunk = (int)Math.Min(buffer.Length, end);
            stream.Position = end - chunk;
            stream.ReadExactly(buffer, 0, chunk);
            var newline = Array.LastIndexOf(buffer, (byte)'\n', chunk - 1);
            if (newline >= 0)
            {
                stream.SetLength(end - chunk + newline + 1);
                return;
            }

            end -= chunk;
        }

        stream.SetLength(0);
    }
}
