using Dispatch.Actors;
using Xunit.Abstractions;

namespace Dispatch.Testing;

/// <summary>
/// An xunit base class giving each test its own actor system (<see cref="TestKitBase.Sys"/>), a
/// <see cref="TestKitBase.TestActor"/> that is the implicit sender of Tells in the test, and
/// expectations. Disposing it (xunit does, after each test) terminates the system.
/// </summary>
public class TestKit : TestKitBase, IDisposable
{
    private readonly ITestOutputHelper? _output;
    private bool _disposed;

    /// <summary>A kit on the system clock, without test output.</summary>
    public TestKit()
        : this(ActorSystemSettings.Default)
    {
    }

    /// <summary>A kit on the system clock that logs to <paramref name="output"/>.</summary>
    public TestKit(ITestOutputHelper? output)
        : this(ActorSystemSettings.Default, output)
    {
    }

    /// <summary>A kit whose system runs on <paramref name="timeProvider"/>, typically a <see cref="ManualTimeProvider"/>.</summary>
    public TestKit(TimeProvider timeProvider, ITestOutputHelper? output = null)
        : this(ActorSystemSettings.Default with { TimeProvider = timeProvider }, output)
    {
    }

    /// <summary>A kit whose system uses <paramref name="settings"/> (logging to <paramref name="output"/> unless the settings name a logger factory).</summary>
    public TestKit(ActorSystemSettings settings, ITestOutputHelper? output = null, TestKitSettings? testKitSettings = null, string systemName = "test")
        : base(CreateSystem(settings, output, systemName), testKitSettings ?? TestKitSettings.FromEnvironment(), "testActor")
    {
        _output = output;
        ImplicitSender.SetAmbient(TestActor);
    }

    /// <summary>The system's clock as a <see cref="ManualTimeProvider"/>.</summary>
    /// <exception cref="InvalidOperationException">The kit was not created with a <see cref="ManualTimeProvider"/>.</exception>
    public ManualTimeProvider Clock => Sys.Settings.TimeProvider as ManualTimeProvider
        ?? throw new InvalidOperationException("This TestKit runs on the system clock; pass a ManualTimeProvider to its constructor for virtual time.");

    /// <summary>Terminates the system.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Terminates the system, waiting up to the (dilated) shutdown timeout.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        if (!Sys.Terminate().Wait(Dilated(TestKitSettings.ShutdownTimeout)))
        {
            WriteOutput($"Actor system {Sys.Name} did not terminate within {Dilated(TestKitSettings.ShutdownTimeout)}.");
        }
    }

    private static ActorSystem CreateSystem(ActorSystemSettings settings, ITestOutputHelper? output, string systemName)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (output is not null && settings.LoggerFactory is Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory)
        {
            settings = settings with { LoggerFactory = new TestOutputLoggerFactory(output) };
        }

        return ActorSystem.Create(systemName, settings);
    }

    private void WriteOutput(string line)
    {
        try
        {
            _output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has already finished; xunit no longer accepts output for it.
        }
    }
}
