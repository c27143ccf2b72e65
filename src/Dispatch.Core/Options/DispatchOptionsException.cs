namespace Dispatch.Core.Options;

/// <summary>
/// Thrown by the options records' <c>Validate</c> methods. Carries every error found, each
/// naming the setting by its full configuration path, e.g.
/// <c>dispatch.endpoints.openai-chat.rate-limit.requests must be &gt; 0 (was -1)</c>.
/// </summary>
public sealed class DispatchOptionsException : Exception
{
    /// <summary>Creates the exception from the errors found.</summary>
    /// <param name="errors">One line per invalid setting; at least one.</param>
    public DispatchOptionsException(IReadOnlyList<string> errors)
        : base(FormatMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>One line per invalid setting, each starting with the setting's configuration path.</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string FormatMessage(IReadOnlyList<string> errors) =>
        errors.Count == 1
            ? "Invalid Dispatch options: " + errors[0]
            : $"Invalid Dispatch options ({errors.Count} errors):" + Environment.NewLine + "  " +
              string.Join(Environment.NewLine + "  ", errors);
}
