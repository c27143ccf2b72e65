using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Dispatch.Core.Breaker;
using Dispatch.Core.Protocol;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Breaker;

/// <summary>
/// The circuit breaker is an Akka supervisor strategy: plugged into a parent as its
/// <c>SupervisorStrategy</c>, Akka hands it the failures of the parent's children. An upstream
/// failure is counted and the child resumed; any other failure is Akka's default decider's
/// business, for the failed child alone.
/// </summary>
public class CircuitBreakerStrategyTests(ITestOutputHelper output) : TestKit(output: output)
{
    [Fact]
    public void An_upstream_failure_of_a_child_is_handed_to_the_breaker_and_the_child_resumed_with_its_state()
    {
        var escalations = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new Parent(Strategy(escalations))));
        parent.Tell(new ToChild("a", Child.Count));
        ExpectMsg(1);

        parent.Tell(new ToChild("a", new UpstreamFailureException(ErrorKind.Server, "503", null)));

        var (child, failure) = escalations.ExpectMsg<(IActorRef, UpstreamFailureException)>();
        Assert.Equal(ErrorKind.Server, failure.Kind);
        Assert.Equal("a", child.Path.Name);
        parent.Tell(new ToChild("a", Child.Count));
        ExpectMsg(2);
    }

    [Fact]
    public void Any_other_failure_of_a_child_is_left_to_the_default_decider_which_restarts_it()
    {
        var escalations = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new Parent(Strategy(escalations))));
        parent.Tell(new ToChild("a", Child.Count));
        ExpectMsg(1);

        parent.Tell(new ToChild("a", new InvalidOperationException("a bug")));

        parent.Tell(new ToChild("a", Child.Count));
        ExpectMsg(1);
        escalations.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_failure_restarts_only_the_child_that_failed()
    {
        var parent = Sys.ActorOf(Props.Create(() => new Parent(Strategy(CreateTestProbe()))));
        parent.Tell(new ToChild("b", Child.Count));
        ExpectMsg(1);

        parent.Tell(new ToChild("a", new InvalidOperationException("a bug")));

        parent.Tell(new ToChild("b", Child.Count));
        ExpectMsg(2);
    }

    /// <summary>A breaker strategy that tells each escalated failure, with the child that failed, to <paramref name="escalations"/>.</summary>
    private static CircuitBreakerStrategy Strategy(TestProbe escalations) =>
        new(new CircuitBreakerController("e", new BreakerOptions()), (child, failure) => escalations.Ref.Tell((child, failure)));

    private sealed record ToChild(string Name, object Message);

    /// <summary>Supervises children "a" and "b" with the strategy under test and forwards messages to them.</summary>
    private sealed class Parent : ReceiveActor
    {
        private readonly SupervisorStrategy _strategy;

        public Parent(SupervisorStrategy strategy)
        {
            _strategy = strategy;
            var children = new[] { "a", "b" }.ToDictionary(name => name, name => Context.ActorOf(Props.Create(() => new Child()), name));
            Receive<ToChild>(to => children[to.Name].Forward(to.Message));
        }

        protected override SupervisorStrategy SupervisorStrategy() => _strategy;
    }

    /// <summary>Counts the <see cref="Count"/>s it receives (a restart resets the count); throws any exception it is sent.</summary>
    private sealed class Child : ReceiveActor
    {
        public const string Count = "count";
        private int _count;

        public Child()
        {
            Receive<string>(_ => Sender.Tell(++_count));
            Receive<Exception>(e => throw e);
        }
    }
}
