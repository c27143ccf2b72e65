using Microsoft.Extensions.Logging;

namespace Dispatch.Actors.Tests;

public sealed class ReceiveActorSpec : ActorSpec
{
    [Fact]
    public void The_first_declared_matching_handler_wins()
    {
        var actor = Sys.ActorOf<OrderedHandlersActor>();

        actor.Tell("text");
        actor.Tell(7);
        actor.Tell(70);
        actor.Tell(2.5);

        ExpectMsg("string:text");
        ExpectMsg("small int:7");
        ExpectMsg("int:70");
        ExpectMsg("any:2.5");
    }

    [Fact]
    public void A_func_handler_returning_false_passes_the_message_on()
    {
        var actor = Sys.ActorOf<OrderedHandlersActor>();

        actor.Tell(new Token("skip"));
        actor.Tell(new Token("take"));

        ExpectMsg("any:Token { Value = skip }");
        ExpectMsg("token:take");
    }

    [Fact]
    public void Unhandled_messages_are_published_as_UnhandledMessage()
    {
        var probe = Subscriber<UnhandledMessage>();
        var actor = Sys.ActorOf<StringOnlyActor>();

        actor.Tell(42);

        var unhandled = probe.ExpectMsg<UnhandledMessage>();
        Assert.Equal(42, unhandled.Message);
        Assert.Equal(actor, unhandled.Recipient);
        Assert.Equal(TestActor, unhandled.Sender);
    }

    [Fact]
    public void Inside_an_actor_the_implicit_sender_is_the_actor_itself()
    {
        var echo = Sys.ActorOf<EchoActor>();
        var asker = Sys.ActorOf(Props.Create(() => new RelayActor(echo, TestActor)));

        asker.Tell("go");

        ExpectMsg("go");
        Assert.Equal(asker, LastSender);
    }

    [Fact]
    public void Sender_is_dead_letters_when_a_message_has_no_sender()
    {
        var probe = Subscriber<DeadLetter>();
        var echo = Sys.ActorOf<EchoActor>();

        echo.Tell("orphan", null);

        var dead = probe.ExpectMsg<DeadLetter>();
        Assert.Equal("orphan", dead.Message);
        Assert.Equal(Sys.DeadLetters, dead.Recipient);
    }

    [Fact]
    public void Forward_keeps_the_original_sender()
    {
        var echo = Sys.ActorOf<EchoActor>();
        var forwarder = Sys.ActorOf(Props.Create(() => new ForwardActor(echo)));

        forwarder.Tell("via");

        ExpectMsg("via");
        Assert.Equal(echo, LastSender);
    }

    [Fact]
    public void An_untyped_actor_receives_everything_and_reports_what_it_does_not_handle()
    {
        var probe = Subscriber<UnhandledMessage>();
        var actor = Sys.ActorOf<UntypedEcho>();

        actor.Tell("hi");
        actor.Tell(5);

        ExpectMsg("hi");
        Assert.Equal(5, probe.ExpectMsg<UnhandledMessage>().Message);
    }

    [Fact]
    public void The_context_exposes_self_parent_props_system_and_a_logger_named_by_path()
    {
        var loggers = new CapturingLoggerFactory();
        using var system = ActorSystem.Create("logged", new ActorSystemSettings { LoggerFactory = loggers });
        var actor = system.ActorOf<ContextReporter>("reporter");

        actor.Tell("report", TestActor);

        var report = ExpectMsg<string>();
        Assert.Equal("dispatch://logged/user/reporter|dispatch://logged/user|ContextReporter|logged", report);
        Assert.Contains("dispatch://logged/user/reporter", loggers.Categories);
        Assert.Contains(loggers.Lines, l => l.Contains("reporting", StringComparison.Ordinal));
    }

    public sealed record Token(string Value);

    public sealed class OrderedHandlersActor : ReceiveActor
    {
        public OrderedHandlersActor()
        {
            Receive<string>(s => Sender.Tell("string:" + s));
            Receive<int>(i => i < 10, i => Sender.Tell("small int:" + i));
            Receive<int>(i => Sender.Tell("int:" + i));
            Receive<Token>(t =>
            {
                if (t.Value == "skip")
                {
                    return false;
                }

                Sender.Tell("token:" + t.Value);
                return true;
            });
            ReceiveAny(m => Sender.Tell("any:" + string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0}", m)));
        }
    }

    public sealed class StringOnlyActor : ReceiveActor
    {
        public StringOnlyActor() => Receive<string>(_ => { });
    }

    public sealed class RelayActor : ReceiveActor
    {
        public RelayActor(IActorRef echo, IActorRef report)
        {
            Receive<string>(s => Sender.Equals(echo), s => report.Tell(s));
            Receive<string>(s => echo.Tell(s));
        }
    }

    public sealed class UntypedEcho : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is string)
            {
                Sender.Tell(message);
            }
            else
            {
                Unhandled(message);
            }
        }
    }

    public sealed class ContextReporter : ReceiveActor
    {
        public ContextReporter() => Receive<string>(_ =>
        {
            Context.Log.LogInformation("reporting {Path}", Self.Path);
            Sender.Tell($"{Context.Self.Path}|{Context.Parent.Path}|{Context.Props.ActorType.Name}|{Context.System.Name}");
        });
    }
}

/// <summary>Records logger categories and formatted lines.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _categories = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Categories => [.. _categories];

    public IReadOnlyCollection<string> Lines => [.. _lines];

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName)
    {
        _categories.Enqueue(categoryName);
        return new Logger(this, categoryName);
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category} {formatter(state, exception)}");
    }
}
