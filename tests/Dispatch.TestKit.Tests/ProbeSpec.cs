using Dispatch.Actors;

namespace Dispatch.Testing.Tests;

public sealed class ProbeSpec : TestKit
{
    [Fact]
    public void A_probe_receives_and_expects_on_its_own_queue()
    {
        var probe = CreateTestProbe();

        probe.Ref.Tell("for probe");

        probe.ExpectMsg("for probe");
        Assert.Equal(TestActor, probe.LastSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public void Send_Reply_and_Forward_set_the_expected_senders()
    {
        var probe = CreateTestProbe();
        var other = CreateTestProbe();

        probe.Send(TestActor, "question");
        ExpectMsg("question");
        Assert.Equal(probe.Ref, LastSender);

        TestActor.Tell("hi");
        probe.Tell("to probe", TestActor);
        probe.ExpectMsg("to probe");
        probe.Reply("answer");
        ExpectMsg("hi");
        ExpectMsg("answer");
        probe.Forward(other.Ref);
        other.ExpectMsg("to probe");
        Assert.Equal(TestActor, other.LastSender);
        Assert.Contains("TestProbe(", probe.ToString());
    }

    [Fact]
    public void Forward_without_a_received_message_throws()
    {
        var probe = CreateTestProbe();

        Assert.Throws<InvalidOperationException>(() => probe.Forward(TestActor));
    }

    [Fact]
    public void Watch_and_Unwatch_work_on_the_kit_and_on_probes()
    {
        var probe = CreateTestProbe();
        var target = CreateTestProbe();
        var unwatched = CreateTestProbe();
        probe.Watch(target.Ref);
        Watch(target.Ref);
        Watch(unwatched.Ref);
        Unwatch(unwatched.Ref);

        Sys.Stop(target.Ref);
        Sys.Stop(unwatched.Ref);

        probe.ExpectTerminated(target.Ref);
        ExpectTerminated(target.Ref);
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task ExpectTerminatedAsync_sees_a_watched_actor_stop()
    {
        var target = CreateTestProbe();
        Watch(target.Ref);

        Sys.Stop(target.Ref);

        Assert.Equal(target.Ref, (await ExpectTerminatedAsync(target.Ref)).ActorRef);
    }

    [Fact]
    public void ActorOf_helpers_create_actors_in_the_kits_system()
    {
        var a = ActorOf(Props.Create<Echo>(), "a");
        var b = ActorOf<Echo>("b");

        a.Tell("x");
        ExpectMsg("x");
        Assert.Equal("dispatch://test/user/b", b.Path.ToString());
    }

    public sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }
}
