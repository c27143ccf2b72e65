using Dispatch.Testing;

namespace Dispatch.Actors.Tests;

public sealed class AskSpec : ActorSpec
{
    [Fact]
    public async Task Ask_returns_the_reply()
    {
        var echo = Sys.ActorOf<EchoActor>();

        var reply = await echo.Ask<string>("hi", TimeSpan.FromSeconds(3));

        Assert.Equal("hi", reply);
    }

    [Fact]
    public async Task Ask_sends_from_a_temporary_ref_that_is_not_an_actor()
    {
        var probe = CreateTestProbe();

        var asking = probe.Ref.Ask<string>("question", TimeSpan.FromSeconds(3));
        probe.ExpectMsg("question");

        Assert.StartsWith("dispatch://test/temp/", probe.LastSender.Path.ToString());
        probe.Reply("answer");
        Assert.Equal("answer", await asking);
    }

    [Fact]
    public async Task A_Status_Failure_reply_faults_the_task_with_its_cause()
    {
        var echo = Sys.ActorOf<EchoActor>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            echo.Ask<string>(new Status.Failure(new InvalidOperationException("nope")), TimeSpan.FromSeconds(3)));

        Assert.Equal("nope", error.Message);
    }

    [Fact]
    public async Task A_Status_Success_reply_carrying_the_type_completes_the_task()
    {
        var echo = Sys.ActorOf<EchoActor>();

        Assert.Equal(5, await echo.Ask<int>(new Status.Success(5), TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task A_reply_of_the_wrong_type_faults_with_a_message_naming_both_types()
    {
        var echo = Sys.ActorOf<EchoActor>("echo");

        var error = await Assert.ThrowsAsync<InvalidCastException>(() => echo.Ask<int>("text", TimeSpan.FromSeconds(3)));

        Assert.Contains("System.Int32", error.Message);
        Assert.Contains("System.String", error.Message);
        Assert.Contains("dispatch://test/user/echo", error.Message);
    }

    [Fact]
    public async Task A_late_reply_goes_to_dead_letters()
    {
        var deadLetters = Subscriber<DeadLetter>();
        var twice = Sys.ActorOf<ReplyTwiceActor>();

        Assert.Equal("first", await twice.Ask<string>("go", TimeSpan.FromSeconds(3)));

        var dead = deadLetters.ExpectMsg<DeadLetter>(d => "second".Equals(d.Message));
        Assert.StartsWith("dispatch://test/temp/", dead.Recipient.Path.ToString());
        Assert.Contains("after the ask completed", dead.Reason);
    }

    [Fact]
    public async Task Cancelling_the_token_cancels_the_ask()
    {
        var hole = Sys.ActorOf<BlackHoleActor>();
        using var cts = new CancellationTokenSource();

        var asking = hole.Ask<string>("anyone?", null, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => asking);
    }

    [Fact]
    public async Task Ask_without_a_reply_is_answered_by_AskTimeoutException_at_the_timeout_in_virtual_time()
    {
        var clock = new ManualTimeProvider();
        using var kit = new TestKit(clock);
        var hole = kit.Sys.ActorOf<BlackHoleActor>();

        var asking = hole.Ask<string>("anyone?", TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(asking.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<AskTimeoutException>(() => asking);
        Assert.Contains("timed out", error.Message);
    }

    [Fact]
    public async Task The_system_ask_timeout_applies_when_none_is_given()
    {
        var clock = new ManualTimeProvider();
        using var kit = new TestKit(new ActorSystemSettings { TimeProvider = clock, AskTimeout = TimeSpan.FromSeconds(2) });
        var hole = kit.Sys.ActorOf<BlackHoleActor>();

        var asking = hole.Ask("anyone?");
        clock.Advance(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<AskTimeoutException>(() => asking);
    }

    [Fact]
    public void Ask_rejects_a_non_positive_timeout_and_refs_without_a_system()
    {
        var echo = Sys.ActorOf<EchoActor>();

        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = echo.Ask<string>("x", TimeSpan.Zero); });
        Assert.Throws<ArgumentException>(() => { _ = ActorRefs.Nobody.Ask<string>("x"); });
    }

    [Fact]
    public async Task PipeTo_sends_the_result_or_a_failure()
    {
        await Task.FromResult("result").PipeTo(TestActor);
        ExpectMsg("result");

        await Task.FromException<string>(new InvalidOperationException("bad")).PipeTo(TestActor);
        Assert.Equal("bad", ExpectMsg<Status.Failure>().Cause.Message);

        await Task.FromResult(2).PipeTo(TestActor, success: i => $"mapped {i}");
        ExpectMsg("mapped 2");

        await Task.FromResult<string?>(null).PipeTo(TestActor);
        Assert.Null(ExpectMsg<Status.Success>().Status);

        await Task.CompletedTask.PipeTo(TestActor);
        ExpectMsg<Status.Success>();
        await Task.FromException(new InvalidOperationException("plain")).PipeTo(TestActor);
        Assert.Equal("plain", ExpectMsg<Status.Failure>().Cause.Message);
    }

    [Fact]
    public async Task GracefulStop_completes_true_once_the_actor_has_stopped()
    {
        var echo = Watch(Sys.ActorOf<EchoActor>());

        Assert.True(await echo.GracefulStop(TimeSpan.FromSeconds(3)));

        ExpectTerminated(echo);
    }

    [Fact]
    public async Task GracefulStop_completes_false_when_the_actor_does_not_stop_in_time()
    {
        var clock = new ManualTimeProvider();
        using var kit = new TestKit(clock);
        using var gate = new ManualResetEventSlim();
        var blocked = kit.Sys.ActorOf(Props.Create(() => new BlockingActor(gate, kit.TestActor)));
        blocked.Tell("block");
        kit.ExpectMsg("blocked");

        var stopping = blocked.GracefulStop(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await stopping);
        gate.Set();
    }

    public sealed class ReplyTwiceActor : ReceiveActor
    {
        public ReplyTwiceActor() => Receive<string>(_ =>
        {
            Sender.Tell("first");
            Sender.Tell("second");
        });
    }
}
