namespace Dispatch.Core.Options;

/// <summary>
/// Collects validation errors while the options tree is walked, so one run reports every bad
/// setting rather than the first. Each check is phrased in terms of the setting's path.
/// </summary>
internal sealed class OptionsErrors
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void Add(string path, string problem) => _errors.Add($"{path} {problem}");

    public void Positive(string path, long value)
    {
        if (value <= 0) Add(path, $"must be > 0 (was {value})");
    }

    public void NonNegative(string path, long value)
    {
        if (value < 0) Add(path, $"must be >= 0 (was {value})");
    }

    public void Positive(string path, double value)
    {
        if (!(value > 0) || double.IsInfinity(value)) Add(path, $"must be a finite number > 0 (was {value})");
    }

    public void Positive(string path, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) Add(path, $"must be a duration > 0 (was {value})");
    }

    public void NonNegative(string path, TimeSpan value)
    {
        if (value < TimeSpan.Zero) Add(path, $"must be a duration >= 0 (was {value})");
    }

    public void Defined<TEnum>(string path, TEnum value) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value)) Add(path, $"must be one of {string.Join(", ", Enum.GetNames<TEnum>())} (was {value})");
    }

    /// <summary>Throws <see cref="DispatchOptionsException"/> when anything was collected.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count > 0) throw new DispatchOptionsException(_errors.ToArray());
    }

    /// <summary>Runs one record's checks and returns what they found.</summary>
    public static IReadOnlyList<string> Collect(string path, Action<OptionsErrors, string> check)
    {
        var errors = new OptionsErrors();
        check(errors, path);
        return errors._errors.ToArray();
    }

    /// <summary>Runs one record's checks and throws when they found anything.</summary>
    public static void Validate(string path, Action<OptionsErrors, string> check)
    {
        var errors = new OptionsErrors();
        check(errors, path);
        errors.ThrowIfAny();
    }
}
