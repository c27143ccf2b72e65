using System.Globalization;

namespace Dispatch.Testing;

/// <summary>Timeouts of the test kit's expectations.</summary>
public sealed record TestKitSettings
{
    /// <summary>The environment variable that sets <see cref="TimeFactor"/> on slow machines.</summary>
    public const string TimeFactorVariable = "DISPATCH_TESTKIT_TIMEFACTOR";

    /// <summary>How long an expectation waits when given no timeout. Default 3 s (dilated by <see cref="TimeFactor"/>).</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long <c>ExpectNoMsg()</c> waits when given no duration. Default 100 ms (dilated).</summary>
    public TimeSpan DefaultNoMessageDuration { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long disposing a kit waits for its system to terminate. Default 10 s (dilated).</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Multiplies every expectation timeout, for slow machines. Default 1.</summary>
    public double TimeFactor { get; init; } = 1.0;

    /// <summary>The defaults, with <see cref="TimeFactor"/> read from <c>DISPATCH_TESTKIT_TIMEFACTOR</c> when set.</summary>
    /// <exception cref="ArgumentException">The variable is set but is not a positive number.</exception>
    public static TestKitSettings FromEnvironment() => FromTimeFactorText(Environment.GetEnvironmentVariable(TimeFactorVariable));

    /// <summary>The defaults with the time factor parsed from <paramref name="text"/> (the variable's value).</summary>
    internal static TestKitSettings FromTimeFactorText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new TestKitSettings();
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || factor <= 0 || double.IsInfinity(factor))
        {
            throw new ArgumentException($"{TimeFactorVariable} must be a positive number such as 1.5, was '{text}'.");
        }

        return new TestKitSettings { TimeFactor = factor };
    }

    /// <summary>Checks every setting and says which one is wrong.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        if (TimeFactor <= 0 || double.IsNaN(TimeFactor) || double.IsInfinity(TimeFactor))
        {
            throw new ArgumentException($"TestKitSettings.TimeFactor must be a positive number, was {TimeFactor}.", nameof(TimeFactor));
        }

        if (DefaultTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"TestKitSettings.DefaultTimeout must be positive, was {DefaultTimeout}.", nameof(DefaultTimeout));
        }

        if (DefaultNoMessageDuration < TimeSpan.Zero)
        {
            throw new ArgumentException($"TestKitSettings.DefaultNoMessageDuration must not be negative, was {DefaultNoMessageDuration}.", nameof(DefaultNoMessageDuration));
        }
    }
}
