using System.Diagnostics;
using System.Text.Json;

namespace Dispatch.Cli.Tests.Support;

/// <summary>The official <c>openai</c> npm package's scripts under tests/gateway-sdk (installed by tests/run.sh with <c>npm ci</c>), run against a gateway.</summary>
internal static class GatewaySdk
{
    /// <summary>Runs <paramref name="script"/> against the gateway at <paramref name="baseUrl"/> and returns the JSON line it prints.</summary>
    public static async Task<JsonElement> RunAsync(string script, string baseUrl, string token, TimeSpan timeout)
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "gateway-sdk");
        Assert.True(Directory.Exists(Path.Combine(directory, "node_modules", "openai")),
            $"the openai package is not installed: run 'npm ci' in {directory} (tests/run.sh does)");
        var start = new ProcessStartInfo("node", script)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["GATEWAY_URL"] = baseUrl;
        start.Environment["GATEWAY_TOKEN"] = token;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(patience.Token);
        Assert.True(process.ExitCode == 0, $"node {script} exited {process.ExitCode}:\n{await error}");
        return JsonDocument.Parse((await output).Trim()).RootElement.Clone();
    }

    /// <summary>
    /// What streaming.mjs saw of a provider streaming <paramref name="streamChunks"/> content chunks <paramref name="gap"/>
    /// apart: the chunks relayed as they came (the first well before the last), with the usage chunk only when asked for.
    /// </summary>
    public static void AssertStreamedChunkByChunk(JsonElement seen, int streamChunks, TimeSpan gap)
    {
        var withUsage = seen.GetProperty("withUsage");
        Assert.StartsWith("text/event-stream", withUsage.GetProperty("contentType").GetString());
        Assert.Equal("1", withUsage.GetProperty("attempts").GetString());
        Assert.Equal(32, withUsage.GetProperty("callId").GetString()!.Length);
        Assert.StartsWith("req_", withUsage.GetProperty("requestId").GetString());
        var chunks = withUsage.GetProperty("chunks").EnumerateArray().ToList();
        var content = chunks.Where(c => c.GetProperty("choices").GetInt32() > 0).ToList();
        // The text chunks, then the one that ends the choice with its finish_reason.
        Assert.Equal(streamChunks + 1, content.Count);
        Assert.Equal("stop", content[^1].GetProperty("finishReason").GetString());
        Assert.All(content[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finishReason").ValueKind));
        var usage = Assert.Single(chunks, c => c.GetProperty("choices").GetInt32() == 0).GetProperty("usage");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
        // The provider waits a gap after each chunk before the next, so the whole answer takes (chunks - 1) gaps after the
        // first chunk was sent: the first was read at least a gap before the stream ended only if it was relayed, not held.
        var firstAt = content[0].GetProperty("at").GetDouble();
        Assert.True(withUsage.GetProperty("endedAt").GetDouble() - firstAt >= gap.TotalMilliseconds, withUsage.GetRawText());
        Assert.True(content[^1].GetProperty("at").GetDouble() - firstAt >= gap.TotalMilliseconds, withUsage.GetRawText());

        // Not asked for, the usage chunk the gateway requested (to reconcile the call's tokens) is not shown.
        var withoutUsage = seen.GetProperty("withoutUsage").GetProperty("chunks").EnumerateArray().ToList();
        Assert.Equal(streamChunks + 1, withoutUsage.Count);
        Assert.All(withoutUsage, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Dispatch.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Dispatch.sln not found above " + AppContext.BaseDirectory);
    }
}
