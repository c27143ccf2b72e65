using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Dispatch.Cli.Commands;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Hocon;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Dispatch.Cli.Run;

/// <summary>
/// <c>dispatch run</c>: streams a JSONL file through an in-process node and writes one result per
/// line. Input is read as it is submitted, with a bounded number of calls outstanding, so a file
/// of any size runs in constant memory (plus the ids, for resuming).
/// </summary>
internal static class BatchRun
{
    /// <summary>Exit code when every id in the output has completed (its latest outcome).</summary>
    public const int Success = 0;

    /// <summary>Exit code when some id's latest outcome is not Completed (a failed call, a malformed line) or the run was interrupted.</summary>
    public const int SomeFailed = 1;

    /// <summary>Exit code when the run could not start (bad flags, configuration or files).</summary>
    public const int CannotStart = 2;

    public static async Task<int> ExecuteAsync(RunOptions options, IAnsiConsole console, TextWriter stderr, bool interactive, CancellationToken cancellationToken)
    {
        if (CheckFiles(options) is { } fileError)
        {
            await stderr.WriteLineAsync("dispatch run: " + fileError);
            return CannotStart;
        }

        RunConfiguration configuration;
        try
        {
            configuration = RunConfiguration.Create(options, out var flagError);
            if (flagError is not null)
            {
                await stderr.WriteLineAsync("dispatch run: " + flagError);
                return CannotStart;
            }
        }
        catch (Exception e) when (e is HoconException or IOException)
        {
            await stderr.WriteLineAsync("dispatch run: " + e.Message);
            return CannotStart;
        }

        // The output is opened before anything runs: a path that cannot be written stops the run here, not after its first call.
        var errorsPath = ResultFiles.ErrorsPathFor(options.Output);
        Dictionary<string, bool> earlier;
        ResultFiles files;
        try
        {
            earlier = ResultFiles.ReadLatestOutcomes(options.Output);
            files = ResultFiles.Open(options.Output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"dispatch run: cannot write the output '{options.Output}': {Reason(e)}");
            return CannotStart;
        }

        await using var openFiles = files;
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddDispatch(d =>
        {
            configuration.Apply(d);
            d.LogToConsole = options.Verbose;
            d.LogToStandardError = true;
            d.ConfigureAkka(CommandLifetime.WithoutClrExitHook);
        });

        // Ctrl-C and SIGTERM are this command's (see Termination): it stops submitting first, then drains the node.
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        using var host = builder.Build();
        try
        {
            await host.StartAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is HoconException or DispatchOptionsException or IOException)
        {
            await stderr.WriteLineAsync("dispatch run: " + e.Message);
            return CannotStart;
        }

        var settings = host.Services.GetRequiredService<DispatchSettings>();
        var dispatch = host.Services.GetRequiredService<IRequiredActor<DispatchActor>>().ActorRef;
        using var client = new DispatchClient(host.Services.GetRequiredService<ActorSystem>(), dispatch);
        var stats = new RunStats(await InputReader.CountAsync(options.Input, cancellationToken));
        var clock = Stopwatch.StartNew();
        using var stopPolling = new CancellationTokenSource();
        var polling = PollStatusAsync(dispatch, stats, stopPolling.Token);
        var ids = new RunIds(earlier, options.SkipFailed);
        var submitting = SubmitAllAsync(options.Input, configuration.Endpoint, settings, client, ids, files, stats, stderr, interactive, cancellationToken);
        await RunDisplay.ShowProgressAsync(console, stderr, interactive, stats, clock, submitting);
        await submitting;
        await stopPolling.CancelAsync();
        await polling;

        // Closed before the output is compacted (renamed over) below.
        await files.DisposeAsync();
        await host.StopAsync(CancellationToken.None);
        var (_, notCompleted) = ResultFiles.Compact(options.Output, ids.Superseded);
        clock.Stop();
        RunDisplay.ShowSummary(console, stats, clock.Elapsed, options.Output, errorsPath);
        return notCompleted == 0 && stats.Remaining == 0 ? Success : SomeFailed;
    }

    /// <summary>What is wrong with the input and output paths, before anything is opened for writing; <see langword="null"/> when nothing.</summary>
    private static string? CheckFiles(RunOptions options)
    {
        if (Directory.Exists(options.Input)) return $"the input '{options.Input}' is a directory, not a JSONL file";
        if (!File.Exists(options.Input)) return $"the input file '{options.Input}' does not exist";
        try
        {
            using var probe = new FileStream(options.Input, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot read the input '{options.Input}': {Reason(e)}";
        }

        if (Directory.Exists(options.Output)) return $"the output '{options.Output}' is a directory; name a file with -o";
        var errors = ResultFiles.ErrorsPathFor(options.Output);
        if (FileIdentity.AreSame(options.Input, options.Output) || FileIdentity.AreSame(options.Input, errors))
            return $"the output '{options.Output}' is the input '{options.Input}' (or a link to it): results would be read back as requests; name another file with -o";
        return null;
    }

    /// <summary>Why a file could not be opened, in the system's words (without .NET's type names).</summary>
    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "its directory does not exist",
        FileNotFoundException => "it does not exist",
        _ => e.Message,
    };

    private static async Task SubmitAllAsync(
        string input,
        string? defaultEndpoint,
        DispatchSettings settings,
        DispatchClient client,
        RunIds ids,
        ResultFiles files,
        RunStats stats,
        TextWriter stderr,
        bool interactive,
        CancellationToken cancellationToken)
    {
        // Enough calls outstanding to keep every executor busy and the queues fed, few enough to bound memory.
        var window = Math.Clamp(settings.Dispatch.Endpoints.Values.Sum(e => e.Executor.Concurrency) * 4, 16, 4096);
        using var slots = new SemaphoreSlim(window, window);
        try
        {
            await foreach (var read in InputReader.ReadAsync(input, cancellationToken))
            {
                var line = ids.Claim(read, out var duplicate);
                if (ids.IsDone(line.Id))
                {
                    stats.RecordSkipped();
                    continue;
                }

                var problem = read.Error
                    ?? (duplicate ? $"line {line.LineNumber}: the id '{read.Id}' is used by an earlier line (this line's result is '{line.Id}')" : null)
                    ?? (line.Endpoint ?? defaultEndpoint) switch
                    {
                        null => $"line {line.LineNumber}: names no endpoint and the run has none (pass --endpoint or --url)",
                        var name when settings.Dispatch.Find(name) is null => $"line {line.LineNumber}: endpoint '{name}' is not configured",
                        _ => null,
                    };
                if (problem is not null)
                {
                    stats.RecordMalformed();
                    if (!interactive) await stderr.WriteLineAsync("dispatch run: " + problem);
                    await files.WriteAsync(line, APICallResult.Rejected(line.Id, ErrorKind.InvalidRequest, problem));
                    continue;
                }

                await slots.WaitAsync(cancellationToken);
                _ = CallAsync(line, line.Endpoint ?? defaultEndpoint!, client, files, stats, slots, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: submit nothing more; what was submitted finishes (or is drained) below.
        }

        for (var i = 0; i < window; i++) await slots.WaitAsync(CancellationToken.None);
    }

    private static async Task CallAsync(InputLine line, string endpoint, DispatchClient client, ResultFiles files, RunStats stats, SemaphoreSlim slots, CancellationToken interrupted)
    {
        try
        {
            var call = new APICalling(line.Id, endpoint, line.Payload!) { RequiredTokens = line.Tokens, Method = line.Method, Path = line.Path };
            var result = await client.SendAsync(call);
            // A call cancelled (or refused while draining) because the run was interrupted is not a
            // result: the next run sends it again.
            if ((result.Status == CallStatus.Cancelled || result.Error == ErrorKind.Cancelled) && interrupted.IsCancellationRequested)
                return;

            stats.Record(result);
            await files.WriteAsync(line, result);
        }
        finally
        {
            slots.Release();
        }
    }

    private static async Task PollStatusAsync(IActorRef dispatch, RunStats stats, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                stats.Update(await dispatch.Ask<DispatchStatus>(new GetStatus(), TimeSpan.FromSeconds(5), stop));
                await Task.Delay(TimeSpan.FromMilliseconds(500), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (AskTimeoutException)
            {
                // A busy node answers the next poll.
            }
        }

        // One last look, so the summary counts every retry and 429.
        try
        {
            stats.Update(await dispatch.Ask<DispatchStatus>(new GetStatus(), TimeSpan.FromSeconds(5)));
        }
        catch (AskTimeoutException)
        {
            // Keep the last counts seen.
        }
    }
}
