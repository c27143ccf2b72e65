using Dispatch.Testing;

namespace Dispatch.Actors.Tests;

/// <summary>Replies with whatever it receives.</summary>
public sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(m => Sender.Tell(m));
}

/// <summary>Sends whatever it receives to a target, keeping the sender.</summary>
public sealed class ForwardActor : ReceiveActor
{
    public ForwardActor(IActorRef target) => ReceiveAny(m => target.Forward(m));
}

/// <summary>Accepts everything and does nothing.</summary>
public sealed class BlackHoleActor : ReceiveActor
{
    public BlackHoleActor() => ReceiveAny(_ => { });
}

/// <summary>
/// On "block" reports "blocked" to the probe and waits for the gate (with a safety timeout);
/// every other message is reported to the probe.
/// </summary>
public sealed class BlockingActor : ReceiveActor
{
    public BlockingActor(ManualResetEventSlim gate, IActorRef probe)
    {
        Receive<string>(s => s == "block", _ =>
        {
            probe.Tell("blocked", Self);
            gate.Wait(TimeSpan.FromSeconds(10));
        });
        ReceiveAny(m => probe.Tell(m, Sender));
    }
}

/// <summary>Throws the exception it is sent; reports other messages and its lifecycle to the probe.</summary>
public sealed class FailingActor : ReceiveActor
{
    private int _count;

    public FailingActor(IActorRef probe)
    {
        Probe = probe;
        Receive<Exception>(e => throw e);
        Receive<string>(s => s == "count", _ => Sender.Tell(_count));
        ReceiveAny(m =>
        {
            _count++;
            probe.Tell(m, Sender);
        });
    }

    private IActorRef Probe { get; }

    protected override void PreStart() => Probe.Tell("prestart", Self);

    protected override void PostStop() => Probe.Tell("poststop", Self);

    protected override void PreRestart(Exception reason, object? message)
    {
        Probe.Tell(new PreRestarted(reason, message), Self);
        base.PreRestart(reason, message);
    }

    protected override void PostRestart(Exception reason)
    {
        Probe.Tell(new PostRestarted(reason), Self);
        base.PostRestart(reason);
    }
}

public sealed record PreRestarted(Exception Reason, object? Message);

public sealed record PostRestarted(Exception Reason);

/// <summary>A parent that creates children on request (CreateChild) and supervises them with the given strategy.</summary>
public sealed class SupervisorActor : ReceiveActor
{
    private readonly SupervisorStrategy? _strategy;

    public SupervisorActor(SupervisorStrategy? strategy)
    {
        _strategy = strategy;
        Receive<CreateChild>(c => Sender.Tell(Context.ActorOf(c.Props, c.Name)));
        Receive<Exception>(e => throw e);
    }

    protected override SupervisorStrategy SupervisorStrategy() => _strategy ?? base.SupervisorStrategy();
}

public sealed record CreateChild(Props Props, string? Name = null);

/// <summary>A kit shared by specs: helpers for children and blocking gates.</summary>
public abstract class ActorSpec : TestKit
{
    protected ActorSpec()
    {
    }

    protected ActorSpec(TimeProvider timeProvider)
        : base(timeProvider)
    {
    }

    protected ActorSpec(ActorSystemSettings settings)
        : base(settings)
    {
    }

    protected IActorRef CreateChild(IActorRef supervisor, Props props, string? name = null)
    {
        // A probe of its own, so the reply cannot interleave with what the child tells TestActor.
        var replies = CreateTestProbe();
        supervisor.Tell(new CreateChild(props, name), replies.Ref);
        return replies.ExpectMsg<IActorRef>();
    }

    /// <summary>A supervisor whose decider reports each failure to the returned probe before deciding.</summary>
    protected (IActorRef Supervisor, TestProbe Failures) ReportingSupervisor(Func<Exception, Directive> decide)
    {
        var failures = CreateTestProbe();
        var supervisor = Supervisor(new OneForOneStrategy(e =>
        {
            failures.Ref.Tell(e, null);
            return decide(e);
        }));
        return (supervisor, failures);
    }

    /// <summary>A probe subscribed to events of <typeparamref name="TEvent"/> on the system's event stream.</summary>
    protected TestProbe Subscriber<TEvent>()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(TEvent));
        return probe;
    }

    protected IActorRef Supervisor(SupervisorStrategy? strategy = null, string? name = null) =>
        Sys.ActorOf(Props.Create(() => new SupervisorActor(strategy)), name);
}
