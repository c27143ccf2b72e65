using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Dispatch.Actors;

/// <summary>A hierarchy of actors sharing a dispatcher, scheduler, event stream and dead letters.</summary>
public sealed partial class ActorSystem : IDisposable
{
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ActorCell _root;
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private readonly TimeProviderScheduler _scheduler;
    private long _tempNumber;

    private ActorSystem(string name, ActorSystemSettings settings)
    {
        Name = name;
        Settings = settings;
        LoggerFactory = settings.LoggerFactory;
        Log = LoggerFactory.CreateLogger($"dispatch://{name}");
        var rootPath = new ActorPath($"dispatch://{name}");
        DeadLettersRef = new DeadLetterActorRef(this, rootPath.Child("deadLetters"));
        TempPath = rootPath.Child("temp");
        EventStream = new EventStream();
        _scheduler = new TimeProviderScheduler(settings.TimeProvider, Log);

        _root = new ActorCell(this, GuardianProps, parent: null, rootPath);
        _userGuardian = _root.AttachGuardian(GuardianProps, "user");
        _systemGuardian = _root.AttachGuardian(GuardianProps, "system");
        _root.Start();
    }

    /// <summary>The system's name, the host part of its actors' paths.</summary>
    public string Name { get; }

    /// <summary>The settings the system was created with.</summary>
    public ActorSystemSettings Settings { get; }

    /// <summary>Where undeliverable messages go; they are published on the <see cref="EventStream"/> as <see cref="DeadLetter"/>.</summary>
    public IActorRef DeadLetters => DeadLettersRef;

    /// <summary>The system's publish/subscribe bus.</summary>
    public EventStream EventStream { get; }

    /// <summary>Schedules messages and actions on the system's <see cref="ActorSystemSettings.TimeProvider"/>.</summary>
    public IScheduler Scheduler => _scheduler;

    /// <summary>The logger factory actors' loggers come from.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The system's own logger.</summary>
    public ILogger Log { get; }

    /// <summary>Completes when the system has fully terminated.</summary>
    public Task WhenTerminated => _terminated.Task;

    internal DeadLetterActorRef DeadLettersRef { get; }

    internal ActorPath TempPath { get; }

    internal InternalActorRef UserGuardian => _userGuardian.SelfRef;

    internal InternalActorRef SystemGuardian => _systemGuardian.SelfRef;

    private static Props GuardianProps { get; } = Props.Create<GuardianActor>();

    /// <summary>Creates and starts a system.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a valid system name (letters, digits, '-' and '_', starting with a letter or digit) or a setting is invalid.</exception>
    public static ActorSystem Create(string name, ActorSystemSettings? settings = null)
    {
        if (name is null || !SystemNamePattern().IsMatch(name))
        {
            throw new ArgumentException(
                $"Invalid actor system name '{name}': use letters, digits, '-' and '_', starting with a letter or digit.",
                nameof(name));
        }

        settings ??= ActorSystemSettings.Default;
        settings.Validate();
        return new ActorSystem(name, settings);
    }

    /// <summary>Creates a top-level actor under <c>/user</c>.</summary>
    /// <exception cref="InvalidActorNameException">The name is invalid or already taken.</exception>
    /// <exception cref="InvalidOperationException">The system is terminating.</exception>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        return _userGuardian.AttachChild(props, name);
    }

    /// <summary>Creates a top-level actor of <typeparamref name="TActor"/> with its parameterless constructor.</summary>
    public IActorRef ActorOf<TActor>(string? name = null)
        where TActor : ActorBase, new() => ActorOf(Props.Create<TActor>(), name);

    /// <summary>Stops <paramref name="actor"/> asynchronously: its current message finishes, then its children stop, then it does.</summary>
    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        (actor as InternalActorRef)?.SendSystemMessage(Actors.Terminate.Instance);
    }

    /// <summary>Stops all user actors, then the system's own, and completes <see cref="WhenTerminated"/>.</summary>
    public Task Terminate()
    {
        _userGuardian.SelfRef.SendSystemMessage(Actors.Terminate.Instance);
        return WhenTerminated;
    }

    /// <summary>Terminates the system and waits (up to 10 seconds) for it to finish.</summary>
    public void Dispose()
    {
        Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc />
    public override string ToString() => $"dispatch://{Name}";

    internal ActorPath NextTempPath() => TempPath.Child("$" + Interlocked.Increment(ref _tempNumber).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Called by the root guardian when it has stopped: the last step of termination.</summary>
    internal void OnRootTerminated()
    {
        _scheduler.CancelAll();
        _terminated.TrySetResult();
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_-]*$")]
    private static partial Regex SystemNamePattern();
}

/// <summary>The actor behind the root, user and system guardians: it only supervises.</summary>
internal sealed class GuardianActor : ActorBase
{
    protected internal override bool Receive(object message) => false;
}
