using Dispatch.Testing;

namespace Dispatch.Actors.Tests;

public sealed class PropsSpec : ActorSpec
{
    [Fact]
    public void Create_with_arguments_uses_the_constructor_matching_them()
    {
        var one = Sys.ActorOf(Props.Create<GreeterActor>("hi"));
        var two = Sys.ActorOf(Props.Create<GreeterActor>("hey", 3));

        one.Tell("who");
        ExpectMsg("hi x1");
        two.Tell("who");
        ExpectMsg("hey x3");
    }

    [Fact]
    public void Create_with_a_factory_expression_runs_the_factory_for_each_incarnation()
    {
        var created = 0;
        var props = Props.Create(() => new CountingActor(() => Interlocked.Increment(ref created)));
        var actor = Sys.ActorOf(props);
        actor.Tell(new InvalidOperationException("restart me"));
        actor.Tell("ping");
        ExpectMsg("pong");

        Assert.Equal(2, Volatile.Read(ref created));
        Assert.Equal(typeof(CountingActor), props.ActorType);
    }

    [Fact]
    public void Create_with_arguments_no_constructor_takes_throws_naming_the_type()
    {
        var error = Assert.Throws<ArgumentException>(() => Props.Create<GreeterActor>(42));
        Assert.Contains(nameof(GreeterActor), error.Message);
        Assert.Contains("Int32", error.Message);
    }

    [Fact]
    public void Create_of_a_type_that_is_not_an_actor_throws()
    {
        Assert.Throws<ArgumentException>(() => Props.Create(typeof(string)));
        Assert.Throws<ArgumentException>(() => Props.Create(typeof(ActorBase)));
    }

    [Fact]
    public void Create_with_a_null_argument_matches_a_reference_parameter()
    {
        var actor = Sys.ActorOf(Props.Create<GreeterActor>(new object?[] { null }));

        actor.Tell("who");

        ExpectMsg(" x1");
    }

    [Fact]
    public void A_throwing_constructor_becomes_ActorInitializationException_through_supervision_and_stops_the_actor()
    {
        var (supervisor, failures) = ReportingSupervisor(SupervisorStrategy.DefaultDecider);

        var child = Watch(CreateChild(supervisor, Props.Create(() => new ThrowingActor())));

        var failure = failures.ExpectMsg<ActorInitializationException>();
        Assert.IsType<InvalidOperationException>(failure.InnerException);
        Assert.Contains("boom in constructor", failure.Message);
        Assert.Equal(child, failure.Actor);
        ExpectTerminated(child);
    }

    [Fact]
    public void A_throwing_constructor_given_by_arguments_is_unwrapped_to_its_own_exception()
    {
        var (supervisor, failures) = ReportingSupervisor(_ => Directive.Stop);

        CreateChild(supervisor, Props.Create<ThrowingActor>());

        var failure = failures.ExpectMsg<ActorInitializationException>();
        Assert.IsType<InvalidOperationException>(failure.InnerException);
    }

    [Fact]
    public void WithMailbox_and_WithSupervisorStrategy_return_new_props_and_leave_the_original_alone()
    {
        var original = Props.Create<EchoActor>();
        var bounded = original.WithMailbox(new BoundedMailbox(5));
        var supervised = bounded.WithSupervisorStrategy(SupervisorStrategy.StoppingStrategy);

        Assert.Null(original.Mailbox);
        Assert.Null(original.SupervisorStrategy);
        Assert.Equal(5, Assert.IsType<BoundedMailbox>(supervised.Mailbox).MaxMessages);
        Assert.Same(SupervisorStrategy.StoppingStrategy, supervised.SupervisorStrategy);
        Assert.Equal("Props(EchoActor)", supervised.ToString());
    }

    [Fact]
    public void An_actor_created_with_new_instead_of_props_throws()
    {
        var error = Assert.Throws<ActorInitializationException>(() => new EchoActor());
        Assert.Contains("ActorOf(Props)", error.Message);
    }

    public sealed class GreeterActor : ReceiveActor
    {
        public GreeterActor(string? greeting)
            : this(greeting, 1)
        {
        }

        public GreeterActor(string? greeting, int times) => ReceiveAny(_ => Sender.Tell($"{greeting} x{times}"));
    }

    public sealed class CountingActor : ReceiveActor
    {
        public CountingActor(Action onCreate)
        {
            onCreate();
            Receive<Exception>(e => throw e);
            Receive<string>(_ => Sender.Tell("pong"));
        }
    }

    public sealed class ThrowingActor : ReceiveActor
    {
        public ThrowingActor() => throw new InvalidOperationException("boom in constructor");
    }
}
