using System.CommandLine;
using System.Globalization;
using Dispatch.Cli.Commands;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.Hocon;

namespace Dispatch.Cli.Upstream;

/// <summary><c>dispatch fake-upstream</c>: runs the fake rate-limited provider until Ctrl-C.</summary>
internal static class FakeUpstreamCommand
{
    public static Command Create()
    {
        var bind = new Option<string>("--bind") { Description = "The address to listen on (0.0.0.0 in a container).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "The port (0 picks a free one).", DefaultValueFactory = _ => 8790 };
        var rpm = new Option<long?>("--rpm") { Description = "Requests allowed per minute per API key (default unlimited)." };
        var tpm = new Option<long?>("--tpm") { Description = "Tokens allowed per minute per API key (default unlimited)." };
        var latency = new Option<string?>("--latency") { Description = "Response delay: a duration (200ms) or a range (50ms-400ms)." };
        var streamGap = new Option<string?>("--stream-gap") { Description = "The wait between the chunks of a streamed chat completion: a duration (300ms); default none." };
        var streamChunks = new Option<int>("--stream-chunks") { Description = "How many chunks a streamed chat completion's text comes in.", DefaultValueFactory = _ => 5 };
        var faultRate = new Option<double>("--fault-rate") { Description = "Probability (0-1) of an injected 500/502/503, timeout or reset.", DefaultValueFactory = _ => 0 };

        var command = new Command("fake-upstream", "Run a fake rate-limited LLM provider (OpenAI-shaped /v1/chat/completions, /v1/responses and /v1/embeddings, and /v1/echo).")
        {
            bind, port, rpm, tpm, latency, faultRate, streamGap, streamChunks,
        };
        command.SetAction(async (parse, _) =>
        {
            if (!TryParseLatency(parse.GetValue(latency), out var delays))
            {
                await Console.Error.WriteLineAsync($"dispatch fake-upstream: --latency '{parse.GetValue(latency)}' must be a duration (200ms) or a range (50ms-400ms)");
                return 2;
            }

            var gap = TimeSpan.Zero;
            if (parse.GetValue(streamGap) is { } gapText && (!HoconUnits.TryParseDuration(gapText.Trim(), out gap) || gap < TimeSpan.Zero))
            {
                await Console.Error.WriteLineAsync($"dispatch fake-upstream: --stream-gap '{gapText}' must be a duration such as 300ms");
                return 2;
            }

            if (!System.Net.IPAddress.TryParse(parse.GetValue(bind), out var address))
            {
                await Console.Error.WriteLineAsync($"dispatch fake-upstream: --bind '{parse.GetValue(bind)}' must be an IP address such as 127.0.0.1 or 0.0.0.0");
                return 2;
            }

            var rate = parse.GetValue(faultRate);
            var options = new FakeUpstreamOptions
            {
                BindAddress = address,
                Port = parse.GetValue(port),
                Limits = RateLimitOptions.PerMinute(parse.GetValue(rpm), parse.GetValue(tpm)),
                Latency = delays,
                Faults = rate > 0 ? FaultOptions.Spread(rate) : FaultOptions.None,
                StreamChunkGap = gap,
                StreamChunks = parse.GetValue(streamChunks),
            };
            using var termination = new Termination();
            try
            {
                await FakeUpstreamServer.RunAsync(
                    options,
                    server => Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"fake upstream listening on {server.BaseUrl} (chat: {server.BaseUrl}/v1/chat/completions); Ctrl-C stops it")),
                    termination.Token);
                return 0;
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync("dispatch fake-upstream: " + e.Message);
                return 2;
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync("dispatch fake-upstream: " + e.Message);
                return 2;
            }
        });
        return command;
    }

    internal static bool TryParseLatency(string? text, out LatencyOptions latency)
    {
        latency = LatencyOptions.None;
        if (string.IsNullOrWhiteSpace(text)) return true;
        var dash = text.IndexOf('-', 1);
        if (dash > 0)
        {
            if (!HoconUnits.TryParseDuration(text[..dash].Trim(), out var min) || !HoconUnits.TryParseDuration(text[(dash + 1)..].Trim(), out var max) || max < min) return false;
            latency = LatencyOptions.Uniform(min, max);
            return true;
        }

        if (!HoconUnits.TryParseDuration(text.Trim(), out var delay)) return false;
        latency = LatencyOptions.Fixed(delay);
        return true;
    }
}
