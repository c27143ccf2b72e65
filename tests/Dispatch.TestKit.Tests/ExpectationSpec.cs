using Dispatch.Actors;
using Xunit.Sdk;

namespace Dispatch.Testing.Tests;

public sealed class ExpectationSpec : TestKit
{
    [Fact]
    public void ExpectMsg_by_value_passes_on_an_equal_message_and_fails_on_another()
    {
        TestActor.Tell("a");
        TestActor.Tell("b");

        Assert.Equal("a", ExpectMsg("a"));
        var error = Assert.Throws<XunitException>(() => ExpectMsg("c"));
        Assert.Contains("Expected message c", error.Message);
        Assert.Contains("<b>", error.Message);
    }

    [Fact]
    public void ExpectMsg_by_type_fails_on_a_message_of_another_type()
    {
        TestActor.Tell(42);

        var error = Assert.Throws<XunitException>(() => ExpectMsg<string>());

        Assert.Contains("String", error.Message);
        Assert.Contains("Int32 <42>", error.Message);
    }

    [Fact]
    public void ExpectMsg_fails_with_a_timeout_when_nothing_arrives()
    {
        var error = Assert.Throws<XunitException>(() => ExpectMsg<string>(TimeSpan.FromMilliseconds(20), "the greeting"));

        Assert.Contains("Timeout", error.Message);
        Assert.Contains("the greeting", error.Message);
    }

    [Fact]
    public void ExpectMsg_with_a_predicate_fails_when_the_predicate_does_not_hold()
    {
        TestActor.Tell(5);
        TestActor.Tell(6);

        Assert.Equal(5, ExpectMsg<int>(i => i == 5));
        var error = Assert.Throws<XunitException>(() => ExpectMsg<int>(i => i == 5));
        Assert.Contains("does not satisfy", error.Message);
    }

    [Fact]
    public void ExpectMsg_with_an_assertion_runs_it_on_the_message()
    {
        TestActor.Tell("hello");
        TestActor.Tell("bye");

        ExpectMsg<string>(s => Assert.StartsWith("h", s));
        Assert.ThrowsAny<XunitException>(() => ExpectMsg<string>(s => Assert.StartsWith("h", s)));
    }

    [Fact]
    public async Task The_async_expectations_behave_like_the_sync_ones()
    {
        TestActor.Tell("a");
        TestActor.Tell(1);
        TestActor.Tell(2);
        TestActor.Tell("b");

        Assert.Equal("a", await ExpectMsgAsync("a"));
        Assert.Equal(1, await ExpectMsgAsync<int>());
        Assert.Equal(2, await ExpectMsgAsync<int>(i => i == 2));
        await ExpectMsgAsync<string>(s => Assert.Equal("b", s));
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(20));
        await Assert.ThrowsAsync<XunitException>(() => ExpectMsgAsync<string>(TimeSpan.FromMilliseconds(20)));
        TestActor.Tell("late");
        // ExpectNoMsg fails as soon as a message arrives, so a long window costs nothing and
        // keeps a busy machine's slow delivery from turning into a pass.
        await Assert.ThrowsAsync<XunitException>(() => ExpectNoMsgAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void ExpectNoMsg_fails_when_a_message_arrives()
    {
        ExpectNoMsg(TimeSpan.FromMilliseconds(20));
        TestActor.Tell("surprise");

        // Fails on arrival; the long window only keeps slow delivery on a busy machine from passing.
        var error = Assert.Throws<XunitException>(() => ExpectNoMsg(TimeSpan.FromSeconds(10)));

        Assert.Contains("surprise", error.Message);
    }

    [Fact]
    public void ExpectMsgAllOf_accepts_any_order_and_fails_on_an_unexpected_or_missing_message()
    {
        TestActor.Tell(2);
        TestActor.Tell(1);
        Assert.Equal(2, ExpectMsgAllOf(1, 2).Count);

        TestActor.Tell(3);
        Assert.Contains("unexpected", Assert.Throws<XunitException>(() => ExpectMsgAllOf(1)).Message);

        TestActor.Tell(1);
        Assert.Contains("still missing 2", Assert.Throws<XunitException>(() => ExpectMsgAllOf(TimeSpan.FromMilliseconds(50), 1, 2)).Message);
    }

    [Fact]
    public void ReceiveN_returns_the_messages_in_order_or_fails_with_the_count_received()
    {
        TestActor.Tell("a");
        TestActor.Tell("b");
        Assert.Equal(["a", "b"], ReceiveN(2));

        TestActor.Tell("c");
        var error = Assert.Throws<XunitException>(() => ReceiveN(2, TimeSpan.FromMilliseconds(50)));
        Assert.Contains("received 1 of 2", error.Message);
    }

    [Fact]
    public void FishForMessage_skips_until_a_match_and_fails_when_none_comes()
    {
        TestActor.Tell("noise");
        TestActor.Tell(7);
        TestActor.Tell("signal");

        Assert.Equal("signal", FishForMessage<string>(s => s == "signal"));
        TestActor.Tell("more noise");
        Assert.Throws<XunitException>(() => FishForMessage(m => m is int, TimeSpan.FromMilliseconds(50), "an int"));
    }

    [Fact]
    public void ReceiveOne_returns_null_on_timeout_and_records_the_last_sender()
    {
        Assert.Null(ReceiveOne(TimeSpan.FromMilliseconds(10)));
        var probe = CreateTestProbe();

        probe.Send(TestActor, "from probe");

        Assert.Equal("from probe", ReceiveOne());
        Assert.Equal(probe.Ref, LastSender);
        Assert.Equal("from probe", LastMessage);
        Assert.False(HasMessages);
    }

    [Fact]
    public async Task ReceiveOneAsync_returns_the_message_or_null()
    {
        Assert.Null(await ReceiveOneAsync(TimeSpan.FromMilliseconds(10)));
        TestActor.Tell("x");
        Assert.Equal("x", await ReceiveOneAsync());
    }

    [Fact]
    public void The_default_timeout_is_three_seconds_and_the_time_factor_dilates_it()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), TestKitSettings.DefaultTimeout);
        using var slow = new TestKit(ActorSystemSettings.Default, testKitSettings: new TestKitSettings { TimeFactor = 2 });

        Assert.Equal(TimeSpan.FromSeconds(6), slow.RemainingOrDefault);
        Assert.Equal(TimeSpan.FromSeconds(1), slow.Dilated(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(Timeout.InfiniteTimeSpan, slow.Dilated(Timeout.InfiniteTimeSpan));
    }
}
