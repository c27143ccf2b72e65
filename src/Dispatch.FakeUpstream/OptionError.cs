namespace Dispatch.FakeUpstream;

/// <summary>Builds the one kind of error every options <c>Validate()</c> throws.</summary>
internal static class OptionError
{
    public static ArgumentException Create(string setting, string problem) =>
        new($"FakeUpstream setting '{setting}' {problem}.", setting);
}
