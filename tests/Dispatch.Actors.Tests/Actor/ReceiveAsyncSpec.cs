namespace Dispatch.Actors.Tests;

public sealed class ReceiveAsyncSpec : ActorSpec
{
    [Fact]
    public void User_messages_wait_until_the_async_handler_completes()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = Sys.ActorOf(Props.Create(() => new AwaitingActor(release.Task)));

        actor.Tell("first");
        ExpectMsg("started first");
        actor.Tell("second");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        release.SetResult();

        ExpectMsg("done first");
        ExpectMsg("started second");
        ExpectMsg("done second");
    }

    [Fact]
    public void Self_Sender_and_Context_stay_valid_after_an_await()
    {
        var actor = Sys.ActorOf<ContextAfterAwaitActor>("ctx");

        actor.Tell("go");

        ExpectMsg("dispatch://test/user/ctx");
        Assert.Equal(actor, LastSender);
    }

    [Fact]
    public void System_messages_still_flow_while_a_handler_awaits()
    {
        var never = new TaskCompletionSource();
        var actor = Watch(Sys.ActorOf(Props.Create(() => new AwaitingActor(never.Task))));
        actor.Tell("first");
        ExpectMsg("started first");

        Sys.Stop(actor);

        ExpectTerminated(actor);
    }

    [Fact]
    public void An_exception_after_an_await_goes_through_supervision()
    {
        var (supervisor, failures) = ReportingSupervisor(_ => Directive.Restart);
        var child = CreateChild(supervisor, Props.Create<FailAfterAwaitActor>());

        child.Tell("fail");
        Assert.Equal("async boom", failures.ExpectMsg<InvalidOperationException>().Message);
        child.Tell("ping");

        ExpectMsg("pong");
    }

    [Fact]
    public void A_synchronously_failing_async_handler_goes_through_supervision()
    {
        var (supervisor, failures) = ReportingSupervisor(_ => Directive.Resume);
        var child = CreateChild(supervisor, Props.Create<FailAfterAwaitActor>());

        child.Tell("fail-now");

        Assert.Equal("sync boom", failures.ExpectMsg<InvalidOperationException>().Message);
        child.Tell("ping");
        ExpectMsg("pong");
    }

    [Fact]
    public void RunTask_suspends_an_untyped_actor_until_its_task_completes()
    {
        var actor = Sys.ActorOf<RunTaskActor>();

        actor.Tell("a");
        actor.Tell("b");

        ExpectMsg("a-before");
        ExpectMsg("a-after");
        ExpectMsg("b-before");
        ExpectMsg("b-after");
    }

    public sealed class AwaitingActor : ReceiveActor
    {
        public AwaitingActor(Task gate) => ReceiveAsync<string>(async s =>
        {
            Sender.Tell("started " + s);
            await gate;
            Sender.Tell("done " + s);
        });
    }

    public sealed class ContextAfterAwaitActor : ReceiveActor
    {
        public ContextAfterAwaitActor() => ReceiveAsync<string>(async _ =>
        {
            await Task.Yield();
            await Task.Run(() => { });
            Sender.Tell(Context.Self.Path.ToString());
        });
    }

    public sealed class FailAfterAwaitActor : ReceiveActor
    {
        public FailAfterAwaitActor()
        {
            ReceiveAsync<string>(s => s == "fail", async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("async boom");
            });
            ReceiveAsync<string>(s => s == "fail-now", _ => Task.FromException(new InvalidOperationException("sync boom")));
            ReceiveAnyAsync(_ =>
            {
                Sender.Tell("pong");
                return Task.CompletedTask;
            });
        }
    }

    public sealed class RunTaskActor : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            var name = (string)message;
            RunTask(async () =>
            {
                Sender.Tell(name + "-before");
                await Task.Yield();
                Sender.Tell(name + "-after");
            });
        }
    }
}
