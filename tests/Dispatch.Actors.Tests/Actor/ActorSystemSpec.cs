using Dispatch.Testing;

namespace Dispatch.Actors.Tests;

public sealed class ActorSystemSpec : ActorSpec
{
    [Fact]
    public void ActorOf_creates_top_level_actors_under_the_user_guardian()
    {
        var echo = Sys.ActorOf<EchoActor>("echo");

        Assert.Equal("dispatch://test/user/echo", echo.Path.ToString());
        Assert.Equal("echo", echo.Path.Name);
        Assert.Equal(["user", "echo"], echo.Path.Elements);
        Assert.Equal("dispatch://test/user", echo.Path.Parent!.ToString());
    }

    [Fact]
    public void Tell_from_test_code_uses_the_test_actor_as_implicit_sender()
    {
        var echo = Sys.ActorOf<EchoActor>();

        echo.Tell("hello");

        ExpectMsg("hello");
        Assert.Equal(echo, LastSender);
    }

    [Fact]
    public async Task Tell_from_an_async_test_keeps_the_test_actor_as_implicit_sender()
    {
        var echo = Sys.ActorOf<EchoActor>();
        await Task.Yield();

        echo.Tell("hello");

        await ExpectMsgAsync("hello");
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("-leading-dash")]
    [InlineData("slash/y")]
    public void Create_rejects_an_invalid_system_name(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => ActorSystem.Create(name));
        Assert.Contains("Invalid actor system name", error.Message);
    }

    [Fact]
    public void Create_rejects_invalid_settings_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(() => ActorSystem.Create("sys", new ActorSystemSettings { Throughput = 0 }));
        Assert.Contains("Throughput", error.Message);
        Assert.Throws<ArgumentException>(() => ActorSystem.Create("sys", new ActorSystemSettings { AskTimeout = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public async Task Terminate_stops_every_actor_and_completes_WhenTerminated()
    {
        var other = ActorSystem.Create("other");
        var parent = other.ActorOf(Props.Create(() => new FailingActor(TestActor)), "parent");
        ExpectMsg("prestart");

        await other.Terminate().WaitAsync(TimeSpan.FromSeconds(5));

        ExpectMsg("poststop");
        Assert.True(other.WhenTerminated.IsCompletedSuccessfully);
        Assert.NotNull(parent);
    }

    [Fact]
    public async Task Tell_to_an_actor_of_a_terminated_system_goes_to_dead_letters_without_throwing()
    {
        var other = ActorSystem.Create("other");
        var actor = other.ActorOf<EchoActor>("echo");
        var probe = CreateTestProbe();
        other.EventStream.Subscribe(probe.Ref, typeof(DeadLetter));
        await other.Terminate().WaitAsync(TimeSpan.FromSeconds(5));

        actor.Tell("late", TestActor);

        var dead = probe.ExpectMsg<DeadLetter>(d => "late".Equals(d.Message));
        Assert.Equal(actor, dead.Recipient);
        Assert.Equal(TestActor, dead.Sender);
    }

    [Fact]
    public async Task ActorOf_on_a_terminated_system_throws_a_clear_exception()
    {
        var other = ActorSystem.Create("other");
        await other.Terminate().WaitAsync(TimeSpan.FromSeconds(5));

        var error = Assert.Throws<InvalidOperationException>(() => other.ActorOf<EchoActor>("late"));
        Assert.Contains("terminating", error.Message);
    }

    [Fact]
    public void Stop_stops_an_actor_and_watchers_see_it_terminate()
    {
        var echo = Watch(Sys.ActorOf<EchoActor>());

        Sys.Stop(echo);

        ExpectTerminated(echo);
    }

    [Fact]
    public void Dispose_terminates_the_system()
    {
        var other = ActorSystem.Create("other");

        other.Dispose();

        Assert.True(other.WhenTerminated.IsCompleted);
    }

    [Fact]
    public void A_duplicate_top_level_name_throws_InvalidActorNameException()
    {
        Sys.ActorOf<EchoActor>("same");

        var error = Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf<EchoActor>("same"));
        Assert.Contains("not unique", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("$reserved")]
    [InlineData("a/b")]
    [InlineData("white space")]
    [InlineData("ümlaut")]
    public void An_invalid_actor_name_throws_InvalidActorNameException(string name)
    {
        var error = Assert.Throws<InvalidActorNameException>(() => Sys.ActorOf<EchoActor>(name));
        Assert.Contains("Invalid actor name", error.Message);
    }

    [Fact]
    public void Generated_names_are_unique_and_start_with_a_dollar()
    {
        using var system = ActorSystem.Create("names");
        var a = system.ActorOf<EchoActor>();
        var b = system.ActorOf<EchoActor>();

        Assert.Equal("$a", a.Path.Name);
        Assert.Equal("$b", b.Path.Name);
        Assert.NotEqual(a.Path, b.Path);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void A_name_is_free_again_once_its_actor_has_terminated()
    {
        var first = Watch(Sys.ActorOf<EchoActor>("reused"));
        Sys.Stop(first);
        ExpectTerminated(first);

        AwaitAssert(() => Sys.ActorOf<EchoActor>("reused"));
    }

    [Fact]
    public void Paths_compare_by_value_and_refs_by_identity()
    {
        var echo = Sys.ActorOf<EchoActor>("p");
        var path = echo.Path.Parent! / "p";

        Assert.Equal(echo.Path, path);
        Assert.Equal(echo.Path.GetHashCode(), path.GetHashCode());
        Assert.True(echo.Equals((object)echo));
        Assert.Contains("dispatch://test/user/p", echo.ToString());
        Assert.Equal("dispatch://test", Sys.ToString());
    }

    [Fact]
    public void Nobody_swallows_messages_and_reports_Terminated_to_watchers()
    {
        ActorRefs.Nobody.Tell("ignored", TestActor);
        Watch(ActorRefs.Nobody);

        var terminated = ExpectTerminated(ActorRefs.Nobody);
        Assert.False(terminated.ExistenceConfirmed);
        Assert.Null(ActorRefs.NoSender);
    }
}
