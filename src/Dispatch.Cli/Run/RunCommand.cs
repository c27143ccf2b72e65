using System.CommandLine;
using Dispatch.Cli.Commands;
using Spectre.Console;

namespace Dispatch.Cli.Run;

/// <summary><c>dispatch run requests.jsonl -o results.jsonl</c>: the batch job.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("requests") { Description = "The JSONL input: one request body per line (OpenAI cookbook format) or an envelope {\"id\",\"endpoint\",\"tokens\",\"metadata\",\"body\"}." };
        var output = new Option<string>("--output", "-o") { Description = "The JSONL output, one line per id with its latest result; a re-run skips the ids that completed and sends the others again.", Required = true };
        var config = new Option<string?>("--config", "-c") { Description = "A HOCON file with the endpoints (hocon/reference.conf holds every setting)." };
        var endpoint = new Option<string?>("--endpoint", "-e") { Description = "The endpoint lines go to unless they name one; with --url, the name it gets (default 'default')." };
        var url = new Option<string?>("--url") { Description = "The full request URL, for a run without a config file." };
        var method = new Option<string?>("--method") { Description = "The HTTP method (default POST)." };
        var headers = new Option<string[]>("--header", "-H") { Description = "A header 'Name: value' sent with every call; repeatable. Never a credential: use --api-key-env.", AllowMultipleArgumentsPerToken = false };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "The environment variable holding the API key (sent as 'Authorization: Bearer')." };
        var limitRequests = new Option<int?>("--limit-requests") { Description = "Requests allowed per interval." };
        var limitTokens = new Option<long?>("--limit-tokens") { Description = "Tokens allowed per interval." };
        var interval = new Option<string?>("--interval") { Description = "The interval the limits apply to, e.g. 1m, 10s, 200ms." };
        var pacing = PacingOptions.Pacing();
        var burst = PacingOptions.Burst();
        var concurrency = new Option<int?>("--concurrency") { Description = "Calls held at once." };
        var maxAttempts = new Option<int?>("--max-attempts") { Description = "Attempts per call, the first included." };
        var skipFailed = new Option<bool>("--skip-failed") { Description = "On a re-run, skip the ids that failed too (send only ids not yet in the output)." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Write the node's log to standard error." };

        var command = new Command("run", "Send every line of a JSONL file as one call and write the results.")
        {
            input, output, config, endpoint, url, method, headers, apiKeyEnv, limitRequests, limitTokens, interval, pacing, burst, concurrency, maxAttempts, skipFailed, verbose,
        };
        command.SetAction(async (parse, _) =>
        {
            var options = new RunOptions
            {
                Input = parse.GetValue(input)!,
                Output = parse.GetValue(output)!,
                Config = parse.GetValue(config),
                Endpoint = parse.GetValue(endpoint),
                Url = parse.GetValue(url),
                Method = parse.GetValue(method),
                Headers = parse.GetValue(headers) ?? [],
                ApiKeyEnv = parse.GetValue(apiKeyEnv),
                LimitRequests = parse.GetValue(limitRequests),
                LimitTokens = parse.GetValue(limitTokens),
                Interval = parse.GetValue(interval),
                Pacing = parse.GetValue(pacing),
                Burst = parse.GetValue(burst),
                Concurrency = parse.GetValue(concurrency),
                MaxAttempts = parse.GetValue(maxAttempts),
                SkipFailed = parse.GetValue(skipFailed),
                Verbose = parse.GetValue(verbose),
            };
            using var termination = new Termination();
            var interactive = !Console.IsOutputRedirected && !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            return await BatchRun.ExecuteAsync(options, AnsiConsole.Console, Console.Error, interactive, termination.Token);
        });
        return command;
    }
}
