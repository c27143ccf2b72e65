using Dispatch.Cli.Tests.Support;

namespace Dispatch.Cli.Tests.Run;

/// <summary>Input and output paths a run cannot use: refused at start with one line naming the path, exit code 2.</summary>
public sealed class RunFilesProcessTests : IDisposable
{
    private const string Request = """{"model":"m","messages":[{"role":"user","content":"hi"}]}""";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("errors-files-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData("the same path")]
    [InlineData("a symbolic link")]
    [InlineData("a hard link")]
    public async Task An_output_that_is_the_input_is_refused_and_the_input_is_untouched(string how)
    {
        var input = Input();
        var output = Path.Combine(_directory.FullName, "link.jsonl");
        switch (how)
        {
            case "the same path":
                output = input;
                break;
            case "a symbolic link":
                File.CreateSymbolicLink(output, input);
                break;
            default:
                using (var ln = System.Diagnostics.Process.Start("ln", [input, output])) await ln.WaitForExitAsync();
                break;
        }

        var error = await RunFailing(input, output);

        Assert.Contains("is the input", error, StringComparison.Ordinal);
        Assert.Equal([Request], await File.ReadAllLinesAsync(input));
    }

    [Fact]
    public async Task An_output_naming_a_directory_is_refused_naming_it()
    {
        var error = await RunFailing(Input(), _directory.FullName);

        Assert.Contains($"'{_directory.FullName}' is a directory", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_output_under_a_path_that_is_a_file_is_refused_naming_it()
    {
        var input = Input();
        var output = Path.Combine(input, "results.jsonl");

        var error = await RunFailing(input, output);

        Assert.Contains($"cannot write the output '{output}'", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// sysfs refuses to create files for every user, root included (chmod does not stop root, and CI runs as root):
    /// a real read-only directory without mounting anything.
    /// </summary>
    [Fact]
    public async Task An_output_in_a_directory_that_refuses_new_files_is_refused_naming_it_even_for_root()
    {
        var output = "/sys/errors-results.jsonl";

        var error = await RunFailing(Input(), output);

        Assert.Equal($"dispatch run: cannot write the output '{output}': permission denied", error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task An_input_that_is_a_directory_is_refused_naming_it()
    {
        var error = await RunFailing(_directory.FullName, Path.Combine(_directory.FullName, "out.jsonl"));

        Assert.Contains($"'{_directory.FullName}' is a directory", error, StringComparison.Ordinal);
    }

    private string Input()
    {
        var path = Path.Combine(_directory.FullName, "requests.jsonl");
        File.WriteAllLines(path, [Request]);
        return path;
    }

    /// <summary>Runs dispatch, asserts exit code 2 with exactly one line on stderr and nothing on stdout, and returns that line.</summary>
    private static async Task<string> RunFailing(string input, string output)
    {
        using var run = DispatchProcess.Start("run", input, "-o", output, "--url", "http://127.0.0.1:9/v1/chat/completions");
        var exitCode = await run.WaitAsync(Timeout);

        Assert.Equal(2, exitCode);
        Assert.Empty(run.StandardOutput);
        var error = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dispatch run: ", error, StringComparison.Ordinal);
        return error;
    }
}
