namespace Dispatch.Actors.Tests;

public sealed class DeadLetterSpec : ActorSpec
{
    [Fact]
    public void A_Tell_to_a_stopped_actor_becomes_a_DeadLetter_naming_sender_and_recipient()
    {
        var deadLetters = Subscriber<DeadLetter>();
        var actor = Watch(Sys.ActorOf<EchoActor>());
        Sys.Stop(actor);
        ExpectTerminated(actor);

        actor.Tell("too late", TestActor);

        var dead = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal("too late", dead.Message);
        Assert.Equal(TestActor, dead.Sender);
        Assert.Equal(actor, dead.Recipient);
        Assert.Null(dead.Reason);
    }

    [Fact]
    public void A_Tell_to_the_dead_letters_ref_is_published()
    {
        var deadLetters = Subscriber<DeadLetter>();

        Sys.DeadLetters.Tell("direct", TestActor);

        var dead = deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal("direct", dead.Message);
        Assert.Equal(Sys.DeadLetters, dead.Recipient);
        Assert.Equal("dispatch://test/deadLetters", Sys.DeadLetters.Path.ToString());
    }

    [Fact]
    public void Dead_letters_are_logged_with_their_reason()
    {
        var loggers = new CapturingLoggerFactory();
        using var system = ActorSystem.Create("logging", new ActorSystemSettings { LoggerFactory = loggers });

        system.DeadLetters.Tell("lost", null);

        Assert.Contains(loggers.Lines, l => l.Contains("Dead letter String", StringComparison.Ordinal));
    }

    [Fact]
    public void Dead_letter_logging_can_be_turned_off()
    {
        var loggers = new CapturingLoggerFactory();
        using var system = ActorSystem.Create("quiet", new ActorSystemSettings { LoggerFactory = loggers, LogDeadLetters = false });

        system.DeadLetters.Tell("lost", null);

        Assert.DoesNotContain(loggers.Lines, l => l.Contains("Dead letter", StringComparison.Ordinal));
    }
}
